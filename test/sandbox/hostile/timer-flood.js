/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: schedule a million timers
// expect: limit /^The hook created more than 1000 timers in one call \(maxTimers\)$/
module.exports = function (user, context, cb) {
  for (let i = 0; i < 1000000; i++) {
    try {
      setTimeout(function () {}, 100000)
    } catch (e) {
      // keep going: the runtime must stop the call anyway
    }
  }
}
