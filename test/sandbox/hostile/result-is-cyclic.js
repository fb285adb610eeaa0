/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: a cyclic result
// expect: hook-error /^Error when JSON serializing the result of the extension point$/
module.exports = function (user, context, cb) {
  const a = { name: 'a' }
  a.self = { back: a }
  cb(null, a)
}
