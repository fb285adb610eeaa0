/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: climb from the arguments (copies of host data) to a Function constructor and `process`
// expect: hook-error /^process is not defined$/
module.exports = function (user, context, cb) {
  const viaUser = user.constructor.constructor('return process')
  const viaSecrets = context.webtask.secrets.constructor.constructor('return this')()
  if (viaSecrets.process !== undefined) return cb(null, 'escaped through the secrets object')
  cb(null, viaUser().env)
}
