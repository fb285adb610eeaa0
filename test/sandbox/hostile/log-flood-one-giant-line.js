/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: a single console line of 50 MB
// expect: ok "still answered"
// expect-log: /^\[openhooks\] console output truncated/
// Building and cutting 50 MB takes seconds of CPU on a busy machine: the limits leave room for it.
// limits: {"entryTimeoutMs": 20000, "timeoutMs": 30000}
module.exports = function (user, context, cb) {
  console.log('y'.repeat(50 * 1024 * 1024))
  cb(null, 'still answered')
}
