/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: double a string and flatten it each time, so that V8 cannot keep it as a rope
// Flattening copies the whole string each round, so on a busy machine the entry's CPU-time limit
// may come before the heap fills: either limit stopping it is the outcome that matters.
// expect: memory|timeout /memory limit of 16 MB \(memoryMb\)|without yielding \(entryTimeoutMs\)/
// limits: {"memoryMb": 16, "entryTimeoutMs": 10000, "timeoutMs": 15000}
module.exports = function (user, context, cb) {
  let s = 'xxxxxxxxxxxxxxxx'
  const keep = []
  for (;;) {
    s = (s + s).split('').join('')
    keep.push(s)
  }
}
