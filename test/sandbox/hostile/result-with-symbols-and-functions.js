/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: symbols, functions and undefined in the result, which cannot cross the JSON boundary
// expect: ok {"kept":[null,null,"ok"]}
module.exports = function (user, context, cb) {
  const result = { [Symbol('hidden')]: 'x', fn: function () {}, sym: Symbol('s'), undef: undefined }
  result.kept = [function () {}, Symbol('in array'), 'ok']
  cb(null, result)
}
