/**
 * The attack-protection tables (migration 0005): settings documents and failure counters. Kept
 * apart from the per-domain stores of `sql/`; `sql/store.ts` hands it the Kysely instance. Counters are
 * changed with single upsert statements, so concurrent requests (and, with a shared database,
 * other nodes) never lose a count.
 */
import { sql, type CompiledQuery, type Kysely } from 'kysely'
import { ReadBatcher } from './read-batcher.js'

export type CounterKind = 'bf' | 'client' | 'ip'

export interface CounterRow {
  readonly kind: CounterKind
  readonly identifier: string
  readonly ip: string
  readonly connection: string
  readonly failures: number
  readonly updatedMs: number
}

/** One counter to read with {@link AttackProtectionStore.failuresOf}, and its decay. */
export interface CounterRead {
  readonly kind: CounterKind
  readonly identifier: string
  readonly ip: string
  /** As in `failures`: > 0 takes one failure off per `decayMs` since the last change. */
  readonly decayMs: number
}

export interface AttackProtectionStore {
  getSetting(name: string): Promise<string | undefined>
  putSetting(name: string, value: string): Promise<void>
  /**
   * Adds one failure to a counter and returns the count after it. `decayMs` > 0 takes one
   * failure off per `decayMs` elapsed since the last change first (a leaky bucket).
   */
  addFailure(
    counter: Omit<CounterRow, 'failures' | 'updatedMs'>,
    nowMs: number,
    decayMs: number,
  ): Promise<number>
  /** The count of a counter, decayed as in `addFailure`; 0 when there is none. */
  failures(
    kind: CounterKind,
    identifier: string,
    ip: string,
    nowMs: number,
    decayMs: number,
  ): Promise<number>
  /**
   * The counts of several counters in one statement (one round trip), in the order asked, each
   * decayed as in `failures`; 0 for a counter that does not exist.
   */
  failuresOf(counters: readonly CounterRead[], nowMs: number): Promise<number[]>
  /** Removes a counter: a successful login resets its consecutive failures. */
  clear(kind: CounterKind, identifier: string, ip: string): Promise<void>
  /** Counters of these identifiers with at least `minFailures`. */
  listAtLeast(
    kind: CounterKind,
    identifiers: readonly string[],
    minFailures: number,
  ): Promise<CounterRow[]>
  /** Removes every counter of these identifiers; returns how many. */
  clearIdentifiers(kind: CounterKind, identifiers: readonly string[]): Promise<number>
}

// A type alias (not an interface), as Kysely's table map needs an index signature.
export type AttackProtectionTables = {
  attack_protection_settings: { name: string; value: string; updated_at: string }
  attack_protection_counters: {
    key: string
    kind: string
    identifier: string
    ip: string
    connection: string
    failures: number
    updated_ms: number
  }
}

const keyOf = (kind: CounterKind, identifier: string, ip: string) => `${kind}:${identifier}\n${ip}`

/** Failures left after `decayMs` per failure since `updatedMs` (SQL and JS agree). */
function decayed(failures: number, updatedMs: number, nowMs: number, decayMs: number): number {
  if (decayMs <= 0) return failures
  return Math.max(0, failures - Math.floor(Math.max(0, nowMs - updatedMs) / decayMs))
}

/** A row of `failuresOf`'s statement. */
interface CounterReadRow {
  readonly key: string
  readonly failures: number
  readonly updated_ms: number
}

export interface SqlAttackProtectionOptions {
  /**
   * Concurrent `failuresOf` calls share statements (`read-batcher.ts`), with PostgreSQL's
   * `key = any($1)` so that every batch is the same statement text: for PostgreSQL, where each
   * statement is a round trip and the token endpoint reads the counters on every exchange.
   */
  readonly batchReads?: boolean
}

export class SqlAttackProtectionStore implements AttackProtectionStore {
  readonly #db: Kysely<AttackProtectionTables>
  /** `failuresOf`'s compiled statements, by number of keys (at most a few: the flows read one or two). */
  readonly #counterReads = new Map<number, CompiledQuery<CounterReadRow>>()
  readonly #reads: ReadBatcher<CounterReadRow> | undefined

  /** The store's Kysely instance, seen through this module's own table map. */
  constructor(db: Kysely<AttackProtectionTables>, options: SqlAttackProtectionOptions = {}) {
    this.#db = db
    if (options.batchReads === true) {
      // Compiled once: one statement text whatever the number of keys (one array parameter).
      const statement = this.#db
        .selectFrom('attack_protection_counters')
        .select(['key', 'failures', 'updated_ms'])
        .where(sql<boolean>`key = any(${[]})`)
        .compile()
      this.#reads = new ReadBatcher<CounterReadRow>(async (keys) => {
        const { rows } = await this.#db.executeQuery<CounterReadRow>({
          ...statement,
          parameters: [keys],
        })
        return new Map(rows.map((row) => [row.key, row]))
      })
    }
  }

  async getSetting(name: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('attack_protection_settings')
      .select('value')
      .where('name', '=', name)
      .executeTakeFirst()
    return row?.value
  }

  async putSetting(name: string, value: string): Promise<void> {
    await this.#db
      .insertInto('attack_protection_settings')
      .values({ name, value, updated_at: new Date().toISOString() })
      .onConflict((c) =>
        c.column('name').doUpdateSet({ value, updated_at: new Date().toISOString() }),
      )
      .execute()
  }

  async addFailure(
    counter: Omit<CounterRow, 'failures' | 'updatedMs'>,
    nowMs: number,
    decayMs: number,
  ): Promise<number> {
    const key = keyOf(counter.kind, counter.identifier, counter.ip)
    // One statement: the decay and the increment happen together, whoever else writes.
    const decayed = sql<number>`attack_protection_counters.failures - cast((${nowMs} - attack_protection_counters.updated_ms) / ${decayMs} as integer)`
    const decay =
      decayMs > 0
        ? // CASE rather than SQLite's two-argument max(), which PostgreSQL spells greatest().
          sql<number>`case when ${decayed} > 0 then ${decayed} else 0 end`
        : sql<number>`attack_protection_counters.failures`
    const row = await this.#db
      .insertInto('attack_protection_counters')
      .values({
        key,
        kind: counter.kind,
        identifier: counter.identifier,
        ip: counter.ip,
        connection: counter.connection,
        failures: 1,
        updated_ms: nowMs,
      })
      .onConflict((c) =>
        c.column('key').doUpdateSet({
          failures: sql<number>`${decay} + 1`,
          updated_ms: nowMs,
        }),
      )
      .returning('failures')
      .executeTakeFirstOrThrow()
    return row.failures
  }

  async failures(
    kind: CounterKind,
    identifier: string,
    ip: string,
    nowMs: number,
    decayMs: number,
  ): Promise<number> {
    const row = await this.#db
      .selectFrom('attack_protection_counters')
      .select(['failures', 'updated_ms'])
      .where('key', '=', keyOf(kind, identifier, ip))
      .executeTakeFirst()
    return row === undefined ? 0 : decayed(row.failures, row.updated_ms, nowMs, decayMs)
  }

  async failuresOf(counters: readonly CounterRead[], nowMs: number): Promise<number[]> {
    if (counters.length === 0) return []
    const keys = counters.map((c) => keyOf(c.kind, c.identifier, c.ip))
    const byKey = await this.#readCounters(keys)
    return counters.map((counter, i) => {
      const row = byKey.get(keys[i] ?? '')
      return row === undefined ? 0 : decayed(row.failures, row.updated_ms, nowMs, counter.decayMs)
    })
  }

  /** The counter rows of `keys` that exist, by key: shared with concurrent reads, or alone. */
  async #readCounters(keys: readonly string[]): Promise<ReadonlyMap<string, CounterReadRow>> {
    if (this.#reads !== undefined) return this.#reads.read(keys)
    const { rows } = await this.#db.executeQuery<CounterReadRow>({
      ...this.#counterRead(keys.length),
      parameters: keys,
    })
    return new Map(rows.map((row) => [row.key, row]))
  }

  /**
   * `failuresOf`'s statement for `count` keys, built and compiled once: it runs on every token
   * exchange (a right client secret), where building the query each time cost more than running it
   * on SQLite (docs/performance.md, issue 23). Its only parameters are the keys, in order.
   */
  #counterRead(count: number): CompiledQuery<CounterReadRow> {
    let compiled = this.#counterReads.get(count)
    if (compiled === undefined) {
      compiled = this.#db
        .selectFrom('attack_protection_counters')
        .select(['key', 'failures', 'updated_ms'])
        .where(
          'key',
          'in',
          Array.from({ length: count }, (_, i) => String(i)),
        )
        .compile()
      this.#counterReads.set(count, compiled)
    }
    return compiled
  }

  async clear(kind: CounterKind, identifier: string, ip: string): Promise<void> {
    await this.#db
      .deleteFrom('attack_protection_counters')
      .where('key', '=', keyOf(kind, identifier, ip))
      .execute()
  }

  async listAtLeast(
    kind: CounterKind,
    identifiers: readonly string[],
    minFailures: number,
  ): Promise<CounterRow[]> {
    if (identifiers.length === 0) return []
    const rows = await this.#db
      .selectFrom('attack_protection_counters')
      .selectAll()
      .where('kind', '=', kind)
      .where('identifier', 'in', [...identifiers])
      .where('failures', '>=', minFailures)
      .orderBy('key')
      .execute()
    return rows.map((r) => ({
      kind: r.kind as CounterKind,
      identifier: r.identifier,
      ip: r.ip,
      connection: r.connection,
      failures: r.failures,
      updatedMs: r.updated_ms,
    }))
  }

  async clearIdentifiers(kind: CounterKind, identifiers: readonly string[]): Promise<number> {
    if (identifiers.length === 0) return 0
    const result = await this.#db
      .deleteFrom('attack_protection_counters')
      .where('kind', '=', kind)
      .where('identifier', 'in', [...identifiers])
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}
