/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: grow an array of arrays until the heap is exhausted
// expect: memory /memory limit of 16 MB \(memoryMb\)/
// limits: {"memoryMb": 16, "timeoutMs": 5000, "entryTimeoutMs": 4000}
// (A roomy entry timeout: on Node 24 and 26 the worker takes 0.9 to 1.5 s to reach the 16 MB limit
// on a machine at load 20 to 35, Node 20 about 0.7 s, and the 1 s default ended it as a timeout.)
module.exports = function (user, context, cb) {
  const hoard = []
  for (;;) hoard.push(new Array(100000).fill(1.5))
}
