/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: allocate one ArrayBuffer far beyond the memory limit, outside the JS heap
// expect: hook-error /^Array buffer allocation failed$/
// limits: {"memoryMb": 16}
module.exports = function (user, context, cb) {
  const buffer = new ArrayBuffer(2 * 1024 * 1024 * 1024)
  cb(null, buffer.byteLength)
}
