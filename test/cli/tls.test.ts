import { makeCertificate } from '../helpers/tls-certificate.js'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { request } from 'node:https'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { runCli, spawnServer } from '../helpers/spawn-server.js'
import { tempDir } from './cli-helpers.js'

describe('openhooks serve over HTTPS', () => {
  it('speaks HTTPS with OPENHOOKS_TLS_CERT and OPENHOOKS_TLS_KEY, and defaults the issuer to https', async (t) => {
    const dir = tempDir(t)
    const { cert, key } = makeCertificate(dir, 'server')
    const free = createServer()
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve))
    const freePort = (free.address() as AddressInfo).port
    await new Promise((resolve) => free.close(resolve))
    const server = await spawnServer({
      PORT: String(freePort),
      OPENHOOKS_DATA_DIR: join(dir, 'data'),
      OPENHOOKS_TLS_CERT: cert,
      OPENHOOKS_TLS_KEY: key,
    })
    t.after(() => server.child.kill('SIGKILL'))
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/)
    const { port } = new URL(server.url)
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/.well-known/openid-configuration',
          servername: 'localhost',
          ca: readFileSync(cert),
        },
        (res) => {
          let text = ''
          res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
          res.on('end', () => resolve(text))
        },
      )
      req.on('error', reject)
      req.end()
    })
    const discovery = JSON.parse(body) as { issuer?: string }
    assert.equal(discovery.issuer, `https://localhost:${port}/`)
    server.child.kill('SIGTERM')
    assert.equal(await server.exited, 0)
  })

  it('stops with a clear message when a TLS file cannot be read or the pair does not fit', async (t) => {
    const dir = tempDir(t)
    const one = makeCertificate(dir, 'one')
    const two = makeCertificate(dir, 'two')
    const missing = join(dir, 'missing.pem')
    const unreadable = await runCli(['serve'], {
      OPENHOOKS_DATA_DIR: join(dir, 'data'),
      OPENHOOKS_TLS_CERT: missing,
      OPENHOOKS_TLS_KEY: one.key,
    })
    assert.equal(unreadable.code, 1)
    assert.equal(
      unreadable.stderr,
      `Invalid configuration:\n  - OPENHOOKS_TLS_CERT (${missing}) cannot be read: ENOENT: no such file or directory, open '${missing}'\n`,
    )
    const mismatched = await runCli(['serve'], {
      OPENHOOKS_DATA_DIR: join(dir, 'data'),
      OPENHOOKS_TLS_CERT: one.cert,
      OPENHOOKS_TLS_KEY: two.key,
    })
    assert.equal(mismatched.code, 1)
    assert.match(
      mismatched.stderr,
      /^Invalid configuration:\n {2}- OPENHOOKS_TLS_CERT and OPENHOOKS_TLS_KEY are not a usable PEM certificate and key: .+\n$/,
    )
    const garbage = join(dir, 'garbage.pem')
    writeFileSync(garbage, 'not a certificate')
    const notPem = await runCli(['serve'], {
      OPENHOOKS_DATA_DIR: join(dir, 'data'),
      OPENHOOKS_TLS_CERT: garbage,
      OPENHOOKS_TLS_KEY: one.key,
    })
    assert.equal(notPem.code, 1)
    assert.match(notPem.stderr, /are not a usable PEM certificate and key/)
    const half = await runCli(['serve'], { OPENHOOKS_TLS_KEY: one.key })
    assert.equal(half.code, 1)
    assert.equal(
      half.stderr,
      'Invalid configuration:\n  - OPENHOOKS_TLS_CERT and OPENHOOKS_TLS_KEY must be set together, or both left unset\n',
    )
  })
})
