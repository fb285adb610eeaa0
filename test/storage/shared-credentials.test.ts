// First-start credentials kept in a shared database (PostgreSQL, issue 20): several nodes calling
// ensureAdminClient / ensureSharedOperatorAccount at the same moment make one client and one
// account, and only one of them gets the generated secret to print. Against SQLite (one process,
// the in-process lock) and against PostgreSQL with one store per simulated node (the advisory
// lock across pools).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { createKeyring } from '../../src/crypto/keys.js'
import { verifyPassword } from '../../src/directory/passwords.js'
import {
  GENERATED_OPERATOR_EMAIL,
  ensureSharedOperatorAccount,
} from '../../src/operator/operator-account.js'
import { openPostgresStore } from '../../src/storage/sql/postgres.js'
import { openSqliteStore } from '../../src/storage/sql/sqlite.js'
import type { Store } from '../../src/storage/store.js'
import { ADMIN_CLIENT_NAME, ensureAdminClient } from '../../src/tokens/admin-client.js'
import { createTestDatabase, postgresUnavailable } from '../helpers/postgres.js'

const NODES = 3
const AUDIENCE = 'https://auth.example.test/api/v2/'

async function firstStart(stores: readonly Store[]): Promise<void> {
  const hasher = createKeyring(randomBytes(32)).clientSecrets
  const admins = await Promise.all(
    stores.map((store) =>
      ensureAdminClient({
        configured: undefined,
        dataDir: '/nonexistent',
        store,
        hasher,
        managementAudience: AUDIENCE,
        shared: true,
      }),
    ),
  )
  const generated = admins.filter((a) => a.generatedSecret !== undefined)
  assert.equal(generated.length, 1)
  assert.equal(new Set(admins.map((a) => a.clientId)).size, 1)
  const [store] = stores as [Store]
  const { items } = await store.listClients()
  assert.deepStrictEqual(
    items.filter((c) => c.name === ADMIN_CLIENT_NAME).map((c) => c.clientId),
    [admins[0]?.clientId],
  )
  const stored = await store.getClient(admins[0]?.clientId ?? '')
  assert.ok(
    stored !== undefined && hasher.verify(generated[0]?.generatedSecret ?? '', stored.secretHash),
  )
  assert.deepStrictEqual(
    (await store.getClientGrant(stored.clientId, AUDIENCE))?.audience,
    AUDIENCE,
  )

  const operators = await Promise.all(
    stores.map((s) => ensureSharedOperatorAccount({ configured: undefined, store: s })),
  )
  const printed = operators.filter((o) => o.generatedPassword !== undefined)
  assert.equal(printed.length, 1)
  const saved = await store.getOperatorAccount()
  assert.ok(saved !== undefined)
  assert.equal(saved.email, GENERATED_OPERATOR_EMAIL)
  assert.ok(await verifyPassword(printed[0]?.generatedPassword ?? '', saved.passwordHash))
  for (const o of operators) assert.deepStrictEqual(o.account, saved)

  // Configured credentials replace the generated account, once, on every node.
  const configured = { email: 'ops@example.com', password: 'a-configured-password-1' }
  await Promise.all(stores.map((s) => ensureSharedOperatorAccount({ configured, store: s })))
  const replaced = await store.getOperatorAccount()
  assert.ok(replaced !== undefined)
  assert.equal(replaced.email, configured.email)
  assert.ok(await verifyPassword(configured.password, replaced.passwordHash))
}

test('SQLite: one admin client and one operator account when starts overlap', async (t) => {
  const store = await openSqliteStore({ filename: ':memory:' })
  t.after(() => store.close())
  await firstStart(Array.from({ length: NODES }, () => store))
})

test(
  'PostgreSQL: one admin client and one operator account when nodes start together',
  { skip: postgresUnavailable() },
  async (t) => {
    const database = await createTestDatabase()
    t.after(() => database.drop())
    const stores = await Promise.all(
      Array.from({ length: NODES }, () => openPostgresStore({ connectionString: database.url })),
    )
    t.after(() => Promise.all(stores.map((s) => s.close())))
    await firstStart(stores)
  },
)
