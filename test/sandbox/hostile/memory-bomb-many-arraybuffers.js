/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: many medium ArrayBuffers, each under the limit, together far over it
// expect: hook-error /^Array buffer allocation failed$/
// limits: {"memoryMb": 16}
module.exports = function (user, context, cb) {
  const keep = []
  for (;;) keep.push(new Uint8Array(4 * 1024 * 1024))
}
