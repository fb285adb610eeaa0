import { sql, type Kysely } from 'kysely'
import type { Database } from '../schema.js'
import type { DatabaseUsage, Store } from '../store.js'
import { inProcessLock, sqlClusterStore, type WhileLocked } from './cluster.js'
import { sqlClientGrantStore, sqlClientStore, sqlResourceServerStore } from './clients.js'
import type { SqlContext } from './context.js'
import type { DeferredSyncCommits } from './sqlite-wal-sync.js'
import { sqlDependencyBundleStore } from './dependency-bundles.js'
import { sqlHookSettingsStore } from './hook-settings.js'
import { sqlHookVersionStore } from './hook-versions.js'
import { sqlHookStore } from './hooks.js'
import { sqlKeyStore } from './keys.js'
import { sqlTenantLogStore } from './logs.js'
import { sqlMfaStore } from './mfa.js'
import { sqlSecretStore } from './secrets.js'
import { sqlSharedStateStore } from './shared-state.js'
import { sqlConnectionStore, sqlPasswordTicketStore, sqlUserStore } from './users.js'
import { SqlAttackProtectionStore, type AttackProtectionTables } from '../attack-protection.js'

/**
 * The Kysely implementation of `Store`: the per-domain stores over one database handle. Which
 * database it is (the dialect) is decided by whoever opens the handle (`sqlite.ts`,
 * `postgres.ts`), which also says how `whileLocked` excludes other nodes.
 */
export function sqlStore(
  db: Kysely<Database>,
  now: () => Date,
  usage: DatabaseUsage,
  whileLocked: WhileLocked = inProcessLock(),
  deferredSync?: DeferredSyncCommits,
  options: { readonly batchCounterReads?: boolean } = {},
): Store {
  const context: SqlContext = {
    db,
    timestamp: () => now().toISOString(),
    ...(deferredSync !== undefined ? { deferredSync } : undefined),
  }
  return {
    ...sqlClusterStore(context, whileLocked),
    ...sqlSharedStateStore(context),
    ...sqlHookStore(context),
    ...sqlHookVersionStore(context),
    ...sqlHookSettingsStore(context),
    ...sqlSecretStore(context),
    ...sqlClientStore(context),
    ...sqlClientGrantStore(context),
    ...sqlResourceServerStore(context),
    ...sqlConnectionStore(context),
    ...sqlUserStore(context),
    ...sqlTenantLogStore(context),
    ...sqlPasswordTicketStore(context),
    ...sqlMfaStore(context),
    ...sqlKeyStore(context),
    ...sqlDependencyBundleStore(context),
    // Its own tables (migration 0005), seen through its own table map.
    attackProtection: new SqlAttackProtectionStore(
      db as unknown as Kysely<AttackProtectionTables>,
      { batchReads: options.batchCounterReads === true },
    ),
    databaseUsage: usage,
    async ping() {
      await sql`select 1`.execute(db)
    },
    async close() {
      deferredSync?.close()
      await db.destroy()
    },
  }
}
