// Two real serve nodes started at the same moment on an empty PostgreSQL database, with no
// configured credentials (issue 20): one migration run, exactly one admin client and one operator
// account, kept hashed in the database and not in the nodes' folders, printed by one node only;
// the printed credentials work on both nodes, and both serve the same JWKS.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import pg from 'pg'
import { CLUSTER_ISSUER, clusterEnv, startNodes } from '../helpers/cluster.js'
import { createTestDatabase, postgresUnavailable } from '../helpers/postgres.js'

const unavailable = postgresUnavailable()

test(
  'two nodes starting together on an empty database make one admin client and one operator',
  { skip: unavailable },
  async (t) => {
    const database = await createTestDatabase()
    t.after(() => database.drop())
    const nodes = await startNodes(t, clusterEnv(database.url, { credentials: false }), 2)

    // One node applied the migrations; the other found nothing left to do.
    const migrated = nodes.map((node) => {
      const line = node.server
        .stdout()
        .split('\n')
        .find((l) => l.includes('"event":"storage.migrated"'))
      assert.ok(line !== undefined, node.name)
      return (JSON.parse(line) as { applied: string[] }).applied
    })
    assert.deepStrictEqual(
      migrated.map((applied) => applied.length > 0).sort(),
      [false, true],
      JSON.stringify(migrated),
    )

    // One node printed the generated credentials, once each.
    const printed = nodes.map((node) => node.server.stdout())
    const secrets = printed.flatMap((out) => [...out.matchAll(/client_secret: +(\S+)/g)])
    const passwords = printed.flatMap((out) => [...out.matchAll(/password: +(\S+)/g)])
    const ids = printed.flatMap((out) => [...out.matchAll(/client_id: +(\S+)/g)])
    assert.equal(secrets.length, 1, printed.join('\n'))
    assert.equal(passwords.length, 1, printed.join('\n'))
    const clientId = ids[0]?.[1] ?? ''
    const clientSecret = secrets[0]?.[1] ?? ''
    const password = passwords[0]?.[1] ?? ''
    // Nothing of it in the nodes' folders.
    for (const node of nodes) {
      assert.equal(existsSync(join(node.dataDir, 'admin-client.json')), false)
      assert.equal(existsSync(join(node.dataDir, 'operator.json')), false)
    }

    const client = new pg.Client({ connectionString: database.url })
    await client.connect()
    try {
      const admins = await client.query<{ client_id: string; secret_hash: string }>(
        "select client_id, secret_hash from clients where name = 'openhooks admin'",
      )
      assert.deepStrictEqual(
        admins.rows.map((r) => r.client_id),
        [clientId],
      )
      assert.ok(!admins.rows[0]?.secret_hash.includes(clientSecret))
      const operators = await client.query<{ email: string; password_hash: string }>(
        'select email, password_hash from operator_accounts',
      )
      assert.equal(operators.rows.length, 1)
      const [operator] = operators.rows
      assert.ok(operator !== undefined)
      assert.equal(operator.email, 'admin@openhooks.local')
      assert.ok(!operator.password_hash.includes(password))
      const migrations = await client.query<{ name: string }>('select name from kysely_migration')
      assert.equal(new Set(migrations.rows.map((r) => r.name)).size, migrations.rows.length)
    } finally {
      await client.end()
    }

    // The printed credentials work on both nodes, and so does the operator's password.
    const jwks: unknown[] = []
    for (const node of nodes) {
      const res = await fetch(`${node.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: clientSecret,
          audience: `${CLUSTER_ISSUER}api/v2/`,
        }),
      })
      assert.equal(res.status, 200, node.name)
      const signIn = await fetch(`${node.url}/_dashboard/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-openhooks-csrf': '1' },
        body: JSON.stringify({ email: 'admin@openhooks.local', password }),
      })
      assert.equal(signIn.status, 200, node.name)
      jwks.push(await (await fetch(`${node.url}/.well-known/jwks.json`)).json())
    }
    assert.deepStrictEqual(jwks[1], jwks[0])
  },
)
