/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: go through setTimeout, its Timeout handle and clearTimeout to a host realm
// expect: hook-error /^process is not defined$/
module.exports = function (user, context, cb) {
  const handle = setTimeout(function () {}, 10)
  const candidates = [setTimeout, clearTimeout, setImmediate, handle.constructor, handle.ref]
  for (const fn of candidates) {
    const g = fn.constructor('return this')()
    if (g.process !== undefined) return cb(null, 'escaped')
  }
  clearTimeout(handle)
  cb(null, handle.constructor.constructor('return process')())
}
