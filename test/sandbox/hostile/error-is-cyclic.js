/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: an error that refers to itself
// expect: hook-error /^Error serializing error: TypeError: Converting circular structure to JSON/
module.exports = function (user, context, cb) {
  const error = new Error('cyclic')
  error.cause = { error }
  cb(error)
}
