/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: write far more console output than a call may keep
// expect: ok "still answered"
// expect-log: /^\[openhooks\] console output truncated: the call reached its limit of 65536 bytes \(maxLogBytes\)$/
module.exports = function (user, context, cb) {
  const line = 'x'.repeat(1000)
  for (let i = 0; i < 100000; i++) console.log(line, i)
  cb(null, 'still answered')
}
