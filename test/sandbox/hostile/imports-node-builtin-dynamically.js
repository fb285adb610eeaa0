/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: a dynamic import() of a Node built-in, bypassing require
// expect: hook-error /^Not supported$/
module.exports = function (user, context, cb) {
  import('node:fs').then(
    (fs) => cb(null, typeof fs.readFileSync),
    (error) => cb(error),
  )
}
