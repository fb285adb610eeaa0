// The store contract against a real PostgreSQL server (test/helpers/postgres.ts starts one).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import pg from 'pg'
import { migrationProvider } from '../../src/storage/migrations/index.js'
import { openPostgresStore } from '../../src/storage/sql/postgres.js'
import { describeClusterContract } from '../../src/storage/cluster.contract.js'
import { describeStoreContract } from '../../src/storage/store.contract.js'
import { createTestDatabase, postgresUnavailable } from '../helpers/postgres.js'

const unavailable = postgresUnavailable()
if (unavailable !== undefined) {
  test('Store contract: postgres', { skip: unavailable }, () => {})
} else {
  describeStoreContract('postgres', async () => {
    const database = await createTestDatabase()
    return {
      store: await openPostgresStore({ connectionString: database.url }),
      cleanup: () => database.drop(),
    }
  })
  describeClusterContract('postgres', async () => {
    const database = await createTestDatabase()
    return {
      store: await openPostgresStore({ connectionString: database.url }),
      cleanup: () => database.drop(),
    }
  })
}

test(
  'nodes starting together on an empty database migrate it once and all come up',
  {
    skip: unavailable,
  },
  async () => {
    const database = await createTestDatabase()
    try {
      const NODES = 4
      const stores = await Promise.all(
        Array.from({ length: NODES }, () => openPostgresStore({ connectionString: database.url })),
      )
      try {
        await Promise.all(stores.map((store) => store.ping()))
        const client = new pg.Client({ connectionString: database.url })
        await client.connect()
        try {
          const { rows } = await client.query<{ name: string }>(
            'select name from kysely_migration order by name',
          )
          assert.deepStrictEqual(
            rows.map((row) => row.name),
            Object.keys(await migrationProvider.getMigrations()).sort(),
          )
        } finally {
          await client.end()
        }
      } finally {
        await Promise.all(stores.map((store) => store.close()))
      }
    } finally {
      await database.drop()
    }
  },
)

test(
  'concurrent reads of the attack-protection counters share statements, each with its own counts',
  { skip: unavailable },
  async (t) => {
    const database = await createTestDatabase()
    t.after(() => database.drop())
    const store = await openPostgresStore({ connectionString: database.url })
    t.after(() => store.close())
    const counters = store.attackProtection
    const READS = 20
    const nowMs = 1_000_000
    // Client i has i failures (0 for client 0: no row).
    for (let i = 1; i < READS; i++) {
      for (let n = 0; n < i; n++) {
        await counters.addFailure(
          { kind: 'client', identifier: `client-${String(i)}`, ip: '192.0.2.1', connection: '' },
          nowMs,
          0,
        )
      }
    }
    // The address's counter decays by one per 1,000 ms: each read sees it at its own time.
    for (let n = 0; n < 5; n++) {
      await counters.addFailure(
        { kind: 'ip', identifier: '', ip: '192.0.2.1', connection: '' },
        nowMs,
        1_000,
      )
    }
    const before = store.databaseUsage.roundTrips()
    const counts = await Promise.all(
      Array.from({ length: READS }, (_, i) =>
        counters.failuresOf(
          [
            { kind: 'ip', identifier: '', ip: '192.0.2.1', decayMs: 1_000 },
            { kind: 'client', identifier: `client-${String(i)}`, ip: '192.0.2.1', decayMs: 0 },
          ],
          nowMs + (i % 4) * 1_000,
        ),
      ),
    )
    const statements = store.databaseUsage.roundTrips() - before
    assert.deepStrictEqual(
      counts,
      Array.from({ length: READS }, (_, i) => [5 - (i % 4), i]),
    )
    // The first read goes at once; the others, asked while it was on its way, share the next.
    assert.equal(statements, 2)
  },
)
