import type { Migration, MigrationProvider } from 'kysely'
import * as initial from './0001-initial.js'

/** Forward-only migrations, applied in key order at start-up. */
const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': initial,
}

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
}
