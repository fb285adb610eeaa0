/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: overflow the stack, then call cb with almost no stack left so the runtime itself overflows
// expect: ok "made it"
module.exports = function (user, context, cb) {
  let called = false
  function down() {
    try {
      down()
    } catch (e) {
      // Each frame on the way up retries with a little more stack: some call reaches the runtime
      // with too little stack for it to finish its work.
      if (!called) {
        cb(null, 'made it')
        called = true
      }
    }
  }
  down()
}
