/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: catastrophic backtracking in a regular expression
// expect: timeout /time limit of 300 ms \(timeoutMs\)/
// limits: {"timeoutMs": 300}
module.exports = function (user, context, cb) {
  cb(null, /^(a+)+$/.test('a'.repeat(64) + '!'))
}
