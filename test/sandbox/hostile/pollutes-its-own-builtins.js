/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: patch JSON, Array and Object prototypes inside the isolate to corrupt the runtime
// expect: ok "owned"
module.exports = function (user, context, cb) {
  JSON.stringify = function () {
    return '"forged"'
  }
  JSON.parse = function () {
    return { forged: true }
  }
  Array.prototype.push = function () {
    throw new Error('push is broken')
  }
  Object.defineProperty(Array.prototype, '0', { set() {}, configurable: true })
  Map.prototype.get = function () {
    return undefined
  }
  Object.prototype.toJSON = function () {
    return 'owned'
  }
  cb(null, { real: 'value' })
}
