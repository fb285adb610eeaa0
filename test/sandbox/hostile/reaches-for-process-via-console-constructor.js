/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: use console.log's constructor chain to evaluate code in the host
// expect: hook-error /^process is not defined$/
module.exports = function (user, context, cb) {
  const F = console.log.constructor
  const g = F('return this')()
  if (g.process !== undefined || g.require !== undefined) return cb(null, 'escaped')
  cb(null, F('return process.mainModule.require("child_process")')())
}
