import { createHash } from 'node:crypto'
import type { DependencyBundleRecord, DependencyBundleStore } from '../store.js'
import type { SqlContext } from './context.js'

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** Bundles of hooks' npm dependencies and resolved ranges (migration 0009), shared by all nodes. */
export function sqlDependencyBundleStore({ db, timestamp }: SqlContext): DependencyBundleStore {
  return {
    async getDependencyBundle(key: string): Promise<DependencyBundleRecord | undefined> {
      const row = await db
        .selectFrom('dependency_bundles')
        .selectAll()
        .where('key', '=', key)
        .executeTakeFirst()
      // A row whose source does not match its digest is treated as absent (built again).
      if (row === undefined || sha256(row.source) !== row.source_sha256) return undefined
      return { key: row.key, name: row.name, version: row.version, source: row.source }
    },

    async putDependencyBundle(bundle: DependencyBundleRecord): Promise<void> {
      await db
        .insertInto('dependency_bundles')
        .values({
          key: bundle.key,
          name: bundle.name,
          version: bundle.version,
          source: bundle.source,
          source_sha256: sha256(bundle.source),
          created_at: timestamp(),
        })
        // Content-addressed: a row under the same key has the same bundle.
        .onConflict((oc) => oc.column('key').doNothing())
        .execute()
    },

    async getDependencyRange(spec: string): Promise<string | undefined> {
      const row = await db
        .selectFrom('dependency_ranges')
        .select('version')
        .where('spec', '=', spec)
        .executeTakeFirst()
      return row?.version
    },

    async putDependencyRange(spec: string, version: string): Promise<void> {
      const resolvedAt = timestamp()
      await db
        .insertInto('dependency_ranges')
        .values({ spec, version, resolved_at: resolvedAt })
        .onConflict((oc) => oc.column('spec').doUpdateSet({ version, resolved_at: resolvedAt }))
        .execute()
    },
  }
}
