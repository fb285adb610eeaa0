/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: require('net') to reach the host's Node.js API
// expect: hook-error /^Cannot find module 'net'\n'net' is a Node.js built-in that hooks cannot use/
module.exports = function (user, context, cb) {
  const api = require('net')
  cb(null, typeof api)
}
