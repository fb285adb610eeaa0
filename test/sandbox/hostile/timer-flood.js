/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: schedule ten times more timers than allowed, ignoring every refusal
// expect: limit /^The hook created more than 1000 timers in one call \(maxTimers\)$/
// The outcome is decided at the first refused timer; the call's answer leaves when the loop's entry
// is over. Ten times the limit keeps that entry short (each refusal throws, about 36 µs) so that
// the loop ends by itself rather than by a time limit, on a busy machine too.
module.exports = function (user, context, cb) {
  for (let i = 0; i < 10000; i++) {
    try {
      setTimeout(function () {}, 100000)
    } catch (e) {
      // keep going: the runtime must stop the call anyway
    }
  }
}
