/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: fail with a Symbol, which has no message and throws on string concatenation
// expect: hook-error /^Symbol\(not an error\)$/
module.exports = function (user, context, cb) {
  cb(Symbol('not an error'))
}
