import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqliteStore } from './sql-store.js'
import { describeStoreContract } from './store.contract.js'

describeStoreContract('sqlite (memory)', async () => ({
  store: await openSqliteStore({ filename: ':memory:' }),
}))

describeStoreContract('sqlite (file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openhooks-store-'))
  return {
    store: await openSqliteStore({ filename: join(dir, 'openhooks.db') }),
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true })
    },
  }
})
