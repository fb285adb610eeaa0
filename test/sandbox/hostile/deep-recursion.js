/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: unbounded recursion to overflow the stack
// expect: hook-error /^Maximum call stack size exceeded$/
module.exports = function (user, context, cb) {
  function down(n) {
    return down(n + 1) + 1
  }
  cb(null, down(0))
}
