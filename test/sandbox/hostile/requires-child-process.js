/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: require('child_process') to reach the host's Node.js API
// expect: hook-error /^Cannot find module 'child_process'\n'child_process' is a Node.js built-in that hooks cannot use/
module.exports = function (user, context, cb) {
  const api = require('child_process')
  cb(null, typeof api)
}
