/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: a synchronous infinite loop in the hook function
// expect: timeout /time limit of 300 ms \(timeoutMs\)/
// limits: {"timeoutMs": 300}
module.exports = function (user, context, cb) {
  for (;;) {}
}
