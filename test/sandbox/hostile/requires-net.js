/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: require('net') to reach the host's Node.js API
// expect: hook-error /^Cannot find module 'net'$/
module.exports = function (user, context, cb) {
  const api = require('net')
  cb(null, typeof api)
}
