/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: return an own __proto__ key, hoping a caller merges it into a host object
// expect: ok {"plain":1}
module.exports = function (user, context, cb) {
  cb(null, JSON.parse('{"__proto__": {"polluted": true, "isAdmin": true}, "plain": 1}'))
}
