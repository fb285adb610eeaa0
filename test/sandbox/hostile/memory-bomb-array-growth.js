/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: grow an array of arrays until the heap is exhausted
// expect: memory /memory limit of 16 MB \(memoryMb\)/
// limits: {"memoryMb": 16}
module.exports = function (user, context, cb) {
  const hoard = []
  for (;;) hoard.push(new Array(100000).fill(1.5))
}
