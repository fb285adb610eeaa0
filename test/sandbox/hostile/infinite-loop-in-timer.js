/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: an infinite loop inside a timer callback, after the function has returned
// expect: timeout /time limit of 300 ms \(timeoutMs\)/
// limits: {"timeoutMs": 300}
module.exports = function (user, context, cb) {
  setTimeout(function () {
    for (;;) {}
  }, 10)
}
