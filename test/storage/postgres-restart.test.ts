// A PostgreSQL restart while the store holds a pooled connection between two statements (a
// session advisory lock held while its work runs, or a transaction): the server's goodbye on that
// connection arrives when no statement is waiting for it. The process must go on (an 'error'
// event with no listener would end it, and with it every connection of a serve node), the
// statement after fails as "database unavailable" (a 503 to clients), and the store serves again
// once the server is back.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isStorageUnavailable } from '../../src/errors/storage-unavailable.js'
import { openPostgresStore } from '../../src/storage/sql/postgres.js'
import { postgresUnavailable, startPostgresCluster } from '../helpers/postgres.js'

/** How long the store may take to serve again once the server is back: a broken pool, not a slow one. */
const RECOVERY_DEADLINE_MS = 60_000
const RETRY_PAUSE_MS = 50

test(
  'PostgreSQL restarting while a connection is held between statements: the process goes on, the next statement is "unavailable", the store serves again',
  { skip: postgresUnavailable() },
  async (t) => {
    const server = await startPostgresCluster()
    t.after(() => server.stop())
    const store = await openPostgresStore({ connectionString: server.url })
    t.after(() => store.close())

    let locked!: () => void
    const isLocked = new Promise<void>((resolve) => (locked = resolve))
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    const work = store.whileLocked('restart-while-held', async () => {
      locked()
      await released
      return 'done'
    })
    await isLocked
    // A fast shutdown: PostgreSQL terminates every session, the held one included.
    await server.restart()
    release()
    await assert.rejects(work, (error: unknown) => {
      assert.ok(isStorageUnavailable(error), String(error))
      return true
    })

    const deadline = Date.now() + RECOVERY_DEADLINE_MS
    for (;;) {
      try {
        await store.ping()
        break
      } catch (error) {
        assert.ok(isStorageUnavailable(error), String(error))
        assert.ok(Date.now() < deadline, `the store did not serve again: ${String(error)}`)
        await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS))
      }
    }
    assert.equal(
      await store.whileLocked('restart-while-held', () => Promise.resolve('again')),
      'again',
    )
  },
)
