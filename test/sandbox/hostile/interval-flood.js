/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: many 1 ms intervals that keep the worker busy until the deadline
// expect: timeout /time limit of 300 ms \(timeoutMs\)/
// limits: {"timeoutMs": 300}
module.exports = function (user, context, cb) {
  for (let i = 0; i < 500; i++) setInterval(function () {}, 1)
}
