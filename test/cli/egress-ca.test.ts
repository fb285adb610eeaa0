/**
 * `OPENHOOKS_EGRESS_CA_FILE` end to end (issue 9): a hook's `fetch` to a local HTTPS server whose
 * throwaway self-signed certificate is trusted only through that setting, the TLS error without
 * it, and the start refusing a CA file it cannot use. The only server reached is the one this test
 * starts on 127.0.0.1, and the spawned servers allow only it.
 */
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { makeCertificate } from '../helpers/tls-certificate.js'
import { managementToken, runCli, spawnServer } from '../helpers/spawn-server.js'
import { tempDir } from './cli-helpers.js'

const CLIENT_ID = 'egress-ca-test-client'
const CLIENT_SECRET = 'egress-ca-test-secret-0123456789'
const ISSUER = 'http://openhooks.test/'

const SCRIPT = `module.exports = async function (client, scope, audience, context, cb) {
  try {
    const res = await fetch(context.webtask.secrets.URL)
    let second = 'allowed'
    try { await fetch(context.webtask.secrets.URL) } catch (e) { second = e.message }
    cb(null, { status: res.status, text: await res.text(), second })
  } catch (e) {
    cb(null, { error: e.message, code: e.cause && e.cause.code })
  }
}`

async function startHttpsServer(
  t: { after: (fn: () => void) => void },
  cert: string,
  key: string,
): Promise<number> {
  const server: Server = createServer(
    { cert: readFileSync(cert), key: readFileSync(key) },
    (_req, res) => res.end('hello over TLS'),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    server.closeAllConnections()
    server.close()
  })
  return (server.address() as AddressInfo).port
}

/** Runs SCRIPT through `POST /api/v2/hooks/{id}/test` of a server started with `env`. */
async function fetchThroughHook(
  t: { after: (fn: () => void) => void },
  dir: string,
  env: Record<string, string>,
  target: string,
): Promise<{ status: string; data: unknown; logs: string[] }> {
  const server = await spawnServer({
    OPENHOOKS_DATA_DIR: join(dir, `data-${String(Math.random()).slice(2)}`),
    OPENHOOKS_ADMIN_CLIENT_ID: CLIENT_ID,
    OPENHOOKS_ADMIN_CLIENT_SECRET: CLIENT_SECRET,
    OPENHOOKS_DEPENDENCIES: 'off',
    OPENHOOKS_ISSUER: ISSUER,
    ...env,
  })
  t.after(() => server.child.kill('SIGKILL'))
  const token = await managementToken(server, {
    id: CLIENT_ID,
    secret: CLIENT_SECRET,
    issuer: ISSUER,
  })
  const api = async (path: string, body: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    return { status: res.status, json: (await res.json()) as Record<string, unknown> }
  }
  const created = await api('/api/v2/hooks', {
    name: 'egress-ca',
    script: SCRIPT,
    triggerId: 'credentials-exchange',
  })
  assert.equal(created.status, 201)
  const id = created.json.id as string
  assert.equal((await api(`/api/v2/hooks/${id}/secrets`, { URL: target })).status, 201)
  const run = await api(`/api/v2/hooks/${id}/test`, {
    payload: { audience: 'a', client: {}, scope: [] },
  })
  assert.equal(run.status, 200)
  server.child.kill('SIGTERM')
  assert.equal(await server.exited, 0)
  const logs = run.json.logs as { message: string }[]
  return {
    status: run.json.status as string,
    data: run.json.data,
    logs: logs.map((l) => l.message.replace(/\(\d+ ms\)/, '(N ms)')),
  }
}

describe('OPENHOOKS_EGRESS_CA_FILE and the egress limits of the configuration', () => {
  it('makes hooks trust a self-signed server; without it the request fails with a TLS error that names the setting', async (t) => {
    const dir = tempDir(t)
    const { cert, key } = makeCertificate(dir, 'private-api')
    const port = await startHttpsServer(t, cert, key)
    const target = `https://localhost:${port}/hello`
    const allow = { OPENHOOKS_EGRESS: 'allowlist', OPENHOOKS_EGRESS_ALLOW: `localhost:${port}` }

    const trusted = await fetchThroughHook(
      t,
      dir,
      // The request limit of the configuration reaches the worker: the second fetch is refused.
      { ...allow, OPENHOOKS_EGRESS_CA_FILE: cert, OPENHOOKS_EGRESS_MAX_REQUESTS_PER_CALL: '1' },
      target,
    )
    assert.deepStrictEqual(trusted, {
      status: 'success',
      data: {
        status: 200,
        text: 'hello over TLS',
        second: '[openhooks] this call made more than 1 outbound requests (maxRequestsPerCall)',
      },
      logs: [
        `[openhooks] fetch GET localhost:${port} /hello → 200 (N ms)`,
        '[openhooks] fetch refused: more than 1 requests in this call (maxRequestsPerCall)',
      ],
    })

    const untrusted = await fetchThroughHook(t, dir, allow, target)
    assert.deepStrictEqual(untrusted, {
      status: 'success',
      data: {
        error: `fetch failed: the TLS certificate of localhost:${port} is not trusted (self-signed certificate); add the certificate of its CA to OPENHOOKS_EGRESS_CA_FILE to trust it`,
        code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      },
      logs: [`[openhooks] fetch GET localhost:${port} /hello failed: DEPTH_ZERO_SELF_SIGNED_CERT`],
    })
  })

  it('stops the start when the file cannot be read, holds no certificate, or a certificate is broken', async (t) => {
    const dir = tempDir(t)
    const missing = join(dir, 'missing.pem')
    const empty = join(dir, 'empty.pem')
    writeFileSync(empty, 'no certificate here\n')
    const broken = join(dir, 'broken.pem')
    writeFileSync(
      broken,
      '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n',
    )
    const start = (file: string) =>
      runCli(['serve'], { OPENHOOKS_DATA_DIR: join(dir, 'data'), OPENHOOKS_EGRESS_CA_FILE: file })

    const unreadable = await start(missing)
    assert.deepStrictEqual(unreadable, {
      code: 1,
      stdout: '',
      stderr: `Invalid configuration:\n  - OPENHOOKS_EGRESS_CA_FILE (${missing}) cannot be read: ENOENT: no such file or directory, open '${missing}'\n`,
    })
    const none = await start(empty)
    assert.deepStrictEqual(none, {
      code: 1,
      stdout: '',
      stderr: `Invalid configuration:\n  - OPENHOOKS_EGRESS_CA_FILE (${empty}) holds no PEM certificate (-----BEGIN CERTIFICATE-----)\n`,
    })
    const bad = await start(broken)
    assert.equal(bad.code, 1)
    assert.match(
      bad.stderr,
      /^Invalid configuration:\n {2}- OPENHOOKS_EGRESS_CA_FILE \(.+broken\.pem\): certificate 1 is not valid: .+\n$/,
    )
  })
})
