/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: double a string and flatten it each time, so that V8 cannot keep it as a rope
// expect: memory /memory limit of 16 MB \(memoryMb\)/
// limits: {"memoryMb": 16}
module.exports = function (user, context, cb) {
  let s = 'xxxxxxxxxxxxxxxx'
  const keep = []
  for (;;) {
    s = (s + s).split('').join('')
    keep.push(s)
  }
}
