/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: an infinite loop in WebAssembly, outside JavaScript's own interrupt checks (the isolate has no WebAssembly since issue 17)
// expect: hook-error /^WebAssembly is not defined$/
// No short time limit: the expected outcome is the error, which a busy machine must not turn into
// a timeout. Were WebAssembly back, the loop would end at the roomy limits and fail the test.
module.exports = function (user, context, cb) {
  // (module (func (export "f") (loop (br 0))))
  const bytes = new Uint8Array([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 7, 5, 1, 1, 102, 0, 0, 10, 9, 1, 7,
    0, 3, 64, 12, 0, 11, 11,
  ])
  new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.f()
  cb(null, 'returned')
}
