/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: reach the server's own Management API with the built-in request and http modules
// expect: ok {"request":"EGRESS_REFUSED","http":"EGRESS_REFUSED","https":"EGRESS_REFUSED"}
// setup: admin-server
module.exports = function (user, context, cb) {
  const port = ADMIN_PORT
  const out = {}
  require('request').post(
    { url: 'http://localhost:' + port + '/api/v2/hooks', json: { name: 'x', script: 'x' } },
    function (err) {
      out.request = err ? err.code : 'reached'
      require('http')
        .get({ host: '127.0.0.1', port: port, path: '/api/v2/hooks' }, function () {
          out.http = 'reached'
        })
        .on('error', function (e) {
          out.http = e.code
          require('https')
            .get('https://127.0.0.1:' + port + '/api/v2/hooks', function () {
              out.https = 'reached'
              cb(null, out)
            })
            .on('error', function (e2) {
              out.https = e2.code
              cb(null, out)
            })
        })
    },
  )
}
