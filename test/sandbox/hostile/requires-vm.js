/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: require('vm') to reach the host's Node.js API
// expect: hook-error /^Cannot find module 'vm'\n'vm' is a Node.js built-in that hooks cannot use/
module.exports = function (user, context, cb) {
  const api = require('vm')
  cb(null, typeof api)
}
