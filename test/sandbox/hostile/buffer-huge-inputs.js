/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: ask Buffer for absurd sizes and encode huge inputs, hoping to exhaust the worker
// expect: ok {"alloc":"ERR_INVALID_ARG_VALUE","from":"ERR_INVALID_ARG_VALUE","concat":"RangeError","random":"ERR_OUT_OF_RANGE","values":"QuotaExceededError"}
module.exports = function (user, context, cb) {
  const out = {}
  try {
    Buffer.alloc(2 ** 40)
  } catch (e) {
    out.alloc = e.code
  }
  try {
    Buffer.from({ length: 2 ** 40 })
  } catch (e) {
    out.from = e.code
  }
  try {
    Buffer.concat([Buffer.alloc(1)], 2 ** 40)
  } catch (e) {
    out.concat = e.name
  }
  try {
    require('crypto').randomBytes(2 ** 31)
  } catch (e) {
    out.random = e.code
  }
  try {
    crypto.getRandomValues(new Uint8Array(1024 * 1024))
  } catch (e) {
    out.values = e.name
  }
  cb(null, out)
}
