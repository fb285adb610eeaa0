/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: take an error created by the runtime (require) and climb its constructor chain
// expect: hook-error /^process is not defined$/
module.exports = function (user, context, cb) {
  try {
    require('fs')
  } catch (e) {
    const g = e.constructor.constructor('return this')()
    if (g.process !== undefined) return cb(null, 'escaped')
    return cb(null, e.constructor.constructor('return process')().version)
  }
}
