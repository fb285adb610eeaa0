/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: a single console line of 50 MB
// expect: ok "still answered"
// expect-log: /^\[openhooks\] console output truncated/
module.exports = function (user, context, cb) {
  console.log('y'.repeat(50 * 1024 * 1024))
  cb(null, 'still answered')
}
