/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: an infinite loop inside try/catch/finally that tries to survive being terminated
// expect: timeout /time limit of 300 ms \(timeoutMs\)/
// limits: {"timeoutMs": 300}
module.exports = function (user, context, cb) {
  for (;;) {
    try {
      for (;;) {}
    } catch (e) {
      cb(null, 'caught the termination')
    } finally {
      continue
    }
  }
}
