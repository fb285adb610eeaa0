import type { Migration, MigrationProvider } from 'kysely'
import * as initial from './0001-initial.js'
import * as directory from './0002-directory.js'
import * as passwordTickets from './0003-password-tickets.js'
import * as mfa from './0004-mfa.js'
import * as attackProtection from './0005-attack-protection.js'
import * as hookVersions from './0006-hook-versions.js'
import * as hookSettings from './0007-hook-settings.js'
import * as tenantLogSequence from './0008-tenant-log-sequence.js'
import * as dependencyBundles from './0009-dependency-bundles.js'
import * as cluster from './0010-cluster.js'
import * as sharedExecutionsAndAttempts from './0011-shared-executions-and-attempts.js'

/** Forward-only migrations, applied in key order at start-up. */
const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-directory': directory,
  '0003-password-tickets': passwordTickets,
  '0004-mfa': mfa,
  '0005-attack-protection': attackProtection,
  '0006-hook-versions': hookVersions,
  '0007-hook-settings': hookSettings,
  '0008-tenant-log-sequence': tenantLogSequence,
  '0009-dependency-bundles': dependencyBundles,
  '0010-cluster': cluster,
  '0011-shared-executions-and-attempts': sharedExecutionsAndAttempts,
}

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
}
