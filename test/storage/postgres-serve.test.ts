// Real `openhooks serve` processes on a real PostgreSQL database: the backend is selected by
// OPENHOOKS_DATABASE_URL, a hook saved through one node is stored where another node reads it,
// and the start refuses a shared database without a shared master key.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import pg from 'pg'
import { createTestDatabase, postgresUnavailable } from '../helpers/postgres.js'
import { runCli, spawnServer } from '../helpers/spawn-server.js'

const unavailable = postgresUnavailable()
const SCRIPT =
  "module.exports = function (client, scope, audience, context, cb) { cb(null, { 'https://example.test/node': 'ran' }) }"

test(
  'two nodes on one PostgreSQL database share hooks and tokens',
  { skip: unavailable },
  async (t) => {
    const database = await createTestDatabase()
    t.after(() => database.drop())
    const dataDirA = mkdtempSync(join(tmpdir(), 'openhooks-pg-a-'))
    const dataDirB = mkdtempSync(join(tmpdir(), 'openhooks-pg-b-'))
    t.after(() => {
      rmSync(dataDirA, { recursive: true, force: true })
      rmSync(dataDirB, { recursive: true, force: true })
    })
    const shared = {
      OPENHOOKS_DATABASE_URL: database.url,
      OPENHOOKS_MASTER_KEY: randomBytes(32).toString('base64'),
      OPENHOOKS_ISSUER: 'https://auth.example.test/',
      OPENHOOKS_ADMIN_CLIENT_ID: 'cluster-admin',
      OPENHOOKS_ADMIN_CLIENT_SECRET: 'cluster-admin-secret-0123456789',
    }
    const a = await spawnServer({ ...shared, OPENHOOKS_DATA_DIR: dataDirA })
    t.after(() => a.child.kill('SIGKILL'))
    const b = await spawnServer({ ...shared, OPENHOOKS_DATA_DIR: dataDirB })
    t.after(() => b.child.kill('SIGKILL'))
    // Nothing of the database is kept in the nodes' folders.
    assert.equal(existsSync(join(dataDirA, 'openhooks.db')), false)
    assert.equal(existsSync(join(dataDirB, 'openhooks.db')), false)

    // A token minted on A is accepted on B: both derive the signing key from the shared master key
    // and read the same stored key.
    const tokenRes = await fetch(`${a.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: shared.OPENHOOKS_ADMIN_CLIENT_ID,
        client_secret: shared.OPENHOOKS_ADMIN_CLIENT_SECRET,
        audience: `${shared.OPENHOOKS_ISSUER}api/v2/`,
      }),
    })
    assert.equal(tokenRes.status, 200)
    const token = ((await tokenRes.json()) as { access_token: string }).access_token
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }

    const created = await fetch(`${a.url}/api/v2/hooks`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        name: 'pg-hook',
        script: SCRIPT,
        triggerId: 'credentials-exchange',
      }),
    })
    assert.equal(created.status, 201)
    const hook = (await created.json()) as { id: string }
    const read = await fetch(`${b.url}/api/v2/hooks/${hook.id}`, { headers })
    assert.equal(read.status, 200)
    assert.deepStrictEqual(await read.json(), {
      id: hook.id,
      name: 'pg-hook',
      script: SCRIPT,
      triggerId: 'credentials-exchange',
      enabled: true,
      dependencies: {},
    })
  },
)

const NO_MASTER_KEY =
  'Invalid configuration:\n' +
  '  - OPENHOOKS_MASTER_KEY is required with OPENHOOKS_DATABASE_URL: every node sharing the database must use the same key (generate one with `openssl rand -base64 32`)\n'

/**
 * `openhooks serve` on `databaseUrl` with no master key: exit 1, the message alone on stderr, and
 * nothing written, not even the data folder (where a generated key would have gone).
 */
async function assertRefusedWithoutKey(databaseUrl: string, dataDir: string): Promise<void> {
  const result = await runCli(['serve'], {
    OPENHOOKS_DATABASE_URL: databaseUrl,
    OPENHOOKS_MASTER_KEY: '',
    OPENHOOKS_DATA_DIR: dataDir,
  })
  assert.equal(result.code, 1)
  assert.equal(result.stderr, NO_MASTER_KEY)
  assert.equal(result.stdout, '')
  assert.equal(existsSync(dataDir), false)
}

test('PostgreSQL without a master key refuses to start, saying how to make one', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'openhooks-no-key-'))
  try {
    const dataDir = join(parent, 'data')
    await assertRefusedWithoutKey('postgres://openhooks@127.0.0.1:1/openhooks', dataDir)
  } finally {
    rmSync(parent, { recursive: true, force: true })
  }
})

test(
  'PostgreSQL without a master key writes nothing to a reachable database',
  { skip: unavailable },
  async (t) => {
    const database = await createTestDatabase()
    t.after(() => database.drop())
    const parent = mkdtempSync(join(tmpdir(), 'openhooks-no-key-'))
    t.after(() => rmSync(parent, { recursive: true, force: true }))
    const dataDir = join(parent, 'data')
    await assertRefusedWithoutKey(database.url, dataDir)
    // The database is as it was created: no table, not even the migrations' own.
    const client = new pg.Client({ connectionString: database.url })
    await client.connect()
    try {
      const tables = await client.query(
        "select table_name from information_schema.tables where table_schema = 'public'",
      )
      assert.deepStrictEqual(tables.rows, [])
    } finally {
      await client.end()
    }
  },
)
