/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: hash and HMAC more data than the host accepts, to make the worker do unbounded work
// expect: ok {"hash":"ERR_OUT_OF_RANGE","hmacKey":"ERR_OUT_OF_RANGE","small":64}
// limits: {"memoryMb": 128}
module.exports = function (user, context, cb) {
  const crypto = require('crypto')
  const out = {}
  const chunk = Buffer.alloc(4 * 1024 * 1024, 1)
  const hash = crypto.createHash('sha256')
  try {
    for (let i = 0; i < 8; i++) hash.update(chunk)
  } catch (e) {
    out.hash = e.code
  }
  try {
    crypto.createHmac('sha256', Buffer.concat([chunk, chunk, chunk, chunk, chunk]))
  } catch (e) {
    out.hmacKey = e.code
  }
  out.small = crypto.createHash('sha256').update(chunk).digest('hex').length
  cb(null, out)
}
