/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: climb from the callback to the Function constructor and ask it for the host `process`
// expect: hook-error /^process is not defined$/
module.exports = function (user, context, cb) {
  const process = cb.constructor.constructor('return process')()
  cb(null, { pid: process.pid })
}
