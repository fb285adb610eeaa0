/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: an endless chain of microtasks, which never returns to the event loop
// expect: timeout /time limit of 300 ms \(timeoutMs\)/
// limits: {"timeoutMs": 300}
module.exports = function (user, context, cb) {
  function again() {
    return Promise.resolve().then(again)
  }
  again()
}
