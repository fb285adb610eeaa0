/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: fail with an error message far larger than the result limit
// expect: limit /^The hook's result or error is larger than 262144 bytes \(maxResultBytes\)$/
module.exports = function (user, context, cb) {
  cb(new Error('e'.repeat(5 * 1024 * 1024)))
}
