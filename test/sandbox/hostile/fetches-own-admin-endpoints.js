/* eslint-disable -- a hostile hook script: data for hostile.test.ts, run only inside the sandbox */
// attack: fetch the server's own Management API on loopback, under every spelling of the address
// expect: ok {"codes":["EGRESS_REFUSED","EGRESS_REFUSED","EGRESS_REFUSED","EGRESS_REFUSED","EGRESS_REFUSED","EGRESS_REFUSED","EGRESS_REFUSED"]}
// expect-log: /^\[openhooks\] fetch GET \S+ \/api\/v2\/hooks refused: /
// setup: admin-server
module.exports = async function (user, context, cb) {
  const port = ADMIN_PORT
  const targets = [
    'http://127.0.0.1:' + port + '/api/v2/hooks',
    'http://localhost:' + port + '/api/v2/hooks',
    'http://[::1]:' + port + '/api/v2/hooks',
    'http://0.0.0.0:' + port + '/api/v2/hooks',
    'http://2130706433:' + port + '/api/v2/hooks',
    'http://0x7f.1:' + port + '/api/v2/hooks',
    'http://[::ffff:127.0.0.1]:' + port + '/api/v2/hooks',
  ]
  const codes = []
  for (const url of targets) {
    try {
      await fetch(url, { headers: { authorization: 'Bearer stolen' } })
      codes.push('reached ' + url)
    } catch (e) {
      codes.push(e.cause ? e.cause.code : e.message)
    }
  }
  cb(null, { codes })
}
