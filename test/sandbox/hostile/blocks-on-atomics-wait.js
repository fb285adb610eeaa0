/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: block the worker's thread forever with Atomics.wait on a SharedArrayBuffer
// expect: timeout /time limit of 300 ms \(timeoutMs\)/
// limits: {"timeoutMs": 300}
module.exports = function (user, context, cb) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)
  cb(null, 'woke up')
}
