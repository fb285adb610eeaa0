/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: call cb a hundred thousand times with different answers
// expect: ok 0
// expect-log: /^\[openhooks\] cb was called again after the call completed; ignored$/
module.exports = function (user, context, cb) {
  for (let i = 0; i < 100000; i++) cb(null, i)
}
