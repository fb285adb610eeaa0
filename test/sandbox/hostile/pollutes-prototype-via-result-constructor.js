/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: return constructor.prototype chains, hoping for a recursive merge on the host
// expect: ok {"constructor":{"prototype":{"polluted":true}},"nested":{"constructor":{"prototype":{"isAdmin":true}}}}
module.exports = function (user, context, cb) {
  cb(null, {
    constructor: { prototype: { polluted: true } },
    nested: { constructor: { prototype: { isAdmin: true } } },
  })
}
