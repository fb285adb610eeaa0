// The PostgreSQL change bus (ADR 0008) on a real server: a change published by one bus reaches
// the subscribers of another (and of its own process, at once), and a bus whose listening
// connection is killed reconnects by itself, tells its subscribers that changes may have been
// missed, and hears later changes again.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import pg from 'pg'
import {
  CHANGE_BUS_APPLICATION_NAME,
  PostgresChangeBus,
} from '../../src/storage/sql/postgres-changes.js'
import { createTestDatabase, postgresUnavailable } from '../helpers/postgres.js'

const unavailable = postgresUnavailable()
/** Longest wait for a change to arrive: a deadline for a broken bus, not a speed bound. */
const ARRIVAL_DEADLINE_MS = 30_000

function nextChange(bus: PostgresChangeBus, kind: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop()
      reject(new Error(`no ${kind} change in time`))
    }, ARRIVAL_DEADLINE_MS)
    const stop = bus.subscribe(kind, (id) => {
      clearTimeout(timer)
      stop()
      resolve(id)
    })
  })
}

test(
  'changes cross nodes; a killed listening connection comes back',
  { skip: unavailable },
  async (t) => {
    const database = await createTestDatabase()
    t.after(() => database.drop())
    const errors: string[] = []
    const a = new PostgresChangeBus({ connectionString: database.url })
    const b = new PostgresChangeBus({
      connectionString: database.url,
      onError: (_error, event) => errors.push(event),
    })
    await a.start()
    await b.start()
    t.after(() => Promise.all([a.close(), b.close()]))

    // Its own subscribers hear of it before publish returns; the other node's soon after.
    const local: (string | undefined)[] = []
    const stopLocal = a.subscribe('client', (id) => local.push(id))
    const remote = nextChange(b, 'client')
    a.publish({ kind: 'client', id: 'client-1' })
    assert.deepStrictEqual(local, ['client-1'])
    assert.equal(await remote, 'client-1')
    stopLocal()
    // A node does not hear its own changes twice.
    const echo = nextChange(b, 'grant')
    b.publish({ kind: 'grant', id: 'grant-1' })
    assert.equal(await echo, 'grant-1')

    // Kill the listening connections (both nodes') from the server side.
    const resync = nextChange(b, 'client')
    const admin = new pg.Client({ connectionString: database.url })
    await admin.connect()
    try {
      const killed = await admin.query<{ n: string }>(
        `select count(pg_terminate_backend(pid)) as n from pg_stat_activity
       where datname = current_database() and application_name = $1`,
        [CHANGE_BUS_APPLICATION_NAME],
      )
      assert.ok(Number(killed.rows[0]?.n) >= 1)
    } finally {
      await admin.end()
    }
    // Back: "anything may have changed", then later changes arrive again (A's too, sent once A's
    // own connection is back).
    assert.equal(await resync, undefined)
    assert.ok(errors.includes('change_bus.disconnected'))
    const after = nextChange(b, 'hook')
    a.publish({ kind: 'hook', id: 'hook-2' })
    assert.equal(await after, 'hook-2')
  },
)
