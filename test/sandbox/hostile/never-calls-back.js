/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: never call cb and keep nothing running, holding the call open
// expect: timeout /^The hook did not complete within its time limit of 300 ms \(timeoutMs\)$/
// limits: {"timeoutMs": 300}
module.exports = function (user, context, cb) {
  new Promise(function () {})
}
