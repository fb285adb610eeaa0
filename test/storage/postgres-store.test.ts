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
