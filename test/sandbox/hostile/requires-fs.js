/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: require('fs') to reach the host's Node.js API
// expect: hook-error /^Cannot find module 'fs'\n'fs' is a Node.js built-in that hooks cannot use/
module.exports = function (user, context, cb) {
  const api = require('fs')
  cb(null, typeof api)
}
