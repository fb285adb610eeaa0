/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: grow an array of arrays until the heap is exhausted
// expect: memory /memory limit of 16 MB \(memoryMb\)/
// limits: {"memoryMb": 16}
// (The time limits stay the roomy ones: on Node 24 and 26 the worker takes 0.9 to 1.5 s to reach the
// 16 MB limit on a machine at load 20 to 35, Node 20 about 0.7 s, 3.8 s with two suites running side
// by side; only the memory limit may end it.)
module.exports = function (user, context, cb) {
  const hoard = []
  for (;;) hoard.push(new Array(100000).fill(1.5))
}
