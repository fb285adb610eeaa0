/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: a Proxy result whose traps throw or lie while it is serialised
// expect: hook-error /^Error when JSON serializing the result of the extension point$/
module.exports = function (user, context, cb) {
  cb(
    null,
    new Proxy(
      {},
      {
        ownKeys() {
          return ['a', 'b']
        },
        getOwnPropertyDescriptor() {
          return { value: 1, enumerable: true, configurable: true }
        },
        get() {
          throw new Error('trap')
        },
      },
    ),
  )
}
