/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: a result whose getter throws while it is serialised
// expect: hook-error /^Error when JSON serializing the result of the extension point$/
module.exports = function (user, context, cb) {
  cb(null, {
    get trap() {
      throw new Error('getter')
    },
  })
}
