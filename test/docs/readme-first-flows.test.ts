/**
 * The README's "First flows" block, run as written (issue 18, item 13): bash and curl against
 * `openhooks serve`, with only the server's URL put in place of http://localhost:3000.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { decodeJwt } from 'jose'
import { managementToken, spawnServer, type RunningServer } from '../helpers/spawn-server.js'

const README = fileURLToPath(new URL('../../README.md', import.meta.url))
/** Longest the whole block may take, in milliseconds (six requests and four `node -p`). */
const BLOCK_TIMEOUT_MS = 120_000

/** The shell block between the README's first-flows markers. */
function firstFlowsBlock(): string {
  const text = readFileSync(README, 'utf8')
  const match = /<!-- first-flows:start -->\n```sh\n([\s\S]*?)```\n<!-- first-flows:end -->/.exec(
    text,
  )
  assert.ok(match?.[1] !== undefined, 'README.md has the first-flows block')
  return match[1]
}

describe('README: first flows', () => {
  let server: RunningServer | undefined
  let dataDir = ''
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'openhooks-readme-'))
    server = await spawnServer({
      OPENHOOKS_DATA_DIR: dataDir,
      OPENHOOKS_MASTER_KEY: randomBytes(32).toString('base64'),
      OPENHOOKS_SANDBOX_WORKERS: '1',
      HOST: '127.0.0.1',
    })
  })
  after(async () => {
    if (server !== undefined) {
      server.child.kill('SIGTERM')
      await server.exited
    }
    if (dataDir !== '') rmSync(dataDir, { recursive: true, force: true })
  })

  it('creates an application, an API and a grant; the application gets a token, signs a user up and asks for a password change', async () => {
    assert.ok(server !== undefined)
    const admin = JSON.parse(readFileSync(join(dataDir, 'admin-client.json'), 'utf8')) as {
      client_id: string
      client_secret: string
    }
    const issuer = (/"issuer":"([^"]+)"/.exec(server.stdout()) ?? [])[1] ?? ''
    const token = await managementToken(server, {
      id: admin.client_id,
      secret: admin.client_secret,
      issuer,
    })
    // Each curl fails the block on an HTTP error and ends its answer with a newline.
    const script = [
      'set -euo pipefail',
      'curl() { command curl -sS --fail-with-body "$@"; echo; }',
      firstFlowsBlock().replaceAll('http://localhost:3000', server.url),
    ].join('\n')
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        'bash',
        ['-c', script],
        { env: { ...process.env, TOKEN: token }, timeout: BLOCK_TIMEOUT_MS },
        (error, out, err) => {
          if (error !== null) reject(new Error(`${error.message}\n${out}\n${err}`))
          else resolve(out)
        },
      )
    })
    const [api, grant, tokenBody, signup, changePassword, ...rest] = stdout
      .split('\n')
      .filter((line) => line !== '')
    assert.deepStrictEqual(rest, [])

    const apiBody = JSON.parse(api ?? '') as Record<string, unknown>
    assert.equal(apiBody.identifier, 'https://orders.example.com/')
    assert.deepStrictEqual(apiBody.scopes, [{ value: 'read:orders', description: '' }])

    const grantBody = JSON.parse(grant ?? '') as Record<string, unknown>
    const clientId = String(grantBody.client_id)
    assert.match(clientId, /^[A-Za-z0-9]{32}$/)
    assert.deepStrictEqual(
      { ...grantBody, id: 'x' },
      {
        id: 'x',
        client_id: clientId,
        audience: 'https://orders.example.com/',
        scope: ['read:orders'],
      },
    )

    const issued = JSON.parse(tokenBody ?? '') as Record<string, unknown>
    assert.equal(issued.token_type, 'Bearer')
    const claims = decodeJwt(String(issued.access_token))
    assert.equal(claims.aud, 'https://orders.example.com/')
    assert.equal(claims.scope, 'read:orders')
    assert.equal(claims.sub, `${clientId}@clients`)

    const user = JSON.parse(signup ?? '') as Record<string, unknown>
    assert.equal(user.email, 'ada@example.com')

    assert.equal(changePassword, "We've just sent you an email to reset your password.")
  })
})
