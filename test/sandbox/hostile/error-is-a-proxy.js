/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: an Error wrapped in a Proxy whose ownKeys trap throws
// expect: hook-error /^Error serializing error: Error: no keys for you$/
module.exports = function (user, context, cb) {
  cb(
    new Proxy(new Error('proxied'), {
      ownKeys() {
        throw new Error('no keys for you')
      },
    }),
  )
}
