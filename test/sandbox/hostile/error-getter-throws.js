/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: an error with an own accessor that throws while the error is serialised
// expect: hook-error /^Error serializing error: Error: inside getter$/
module.exports = function (user, context, cb) {
  const error = new Error('outer')
  Object.defineProperty(error, 'detail', {
    enumerable: true,
    get() {
      throw new Error('inside getter')
    },
  })
  cb(error)
}
