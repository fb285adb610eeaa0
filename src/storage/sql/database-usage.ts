/**
 * How much a node uses its database, for the metrics (docs/observability.md) and the cluster
 * benchmark (docs/performance.md): statements sent, counted where Kysely hands them to the driver,
 * and, on PostgreSQL, the `pg` pool's connections. Kept apart from the dialect files so that other
 * instruments of the same layer (spans) stay separate.
 */
import type { DatabaseConnection, Dialect, Driver } from 'kysely'
import type { DatabaseBackend, DatabasePoolUsage, DatabaseUsage } from '../store.js'

/** The counts of `pg.Pool` this module reads (node-postgres keeps them up to date). */
export interface PgPoolCounts {
  readonly totalCount: number
  readonly idleCount: number
  readonly waitingCount: number
  readonly options: { readonly max?: number }
}

/** A `DatabaseUsage` whose counter the dialect wrapper below moves. */
export class DatabaseUsageCounter implements DatabaseUsage {
  readonly backend: DatabaseBackend
  readonly #pool: PgPoolCounts | undefined
  #roundTrips = 0

  constructor(backend: DatabaseBackend, pool?: PgPoolCounts) {
    this.backend = backend
    this.#pool = pool
  }

  roundTrips(): number {
    return this.#roundTrips
  }

  countRoundTrip(): void {
    this.#roundTrips++
  }

  pool(): DatabasePoolUsage | undefined {
    const pool = this.#pool
    if (pool === undefined) return undefined
    return {
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      max: pool.options.max ?? pool.totalCount,
    }
  }
}

/**
 * `dialect`, with every statement its connections run counted in `usage`: the queries, and the
 * BEGIN, COMMIT, ROLLBACK and savepoints that Kysely's drivers send through the same connection.
 */
export function countingDialect(dialect: Dialect, usage: DatabaseUsageCounter): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver: () => countingDriver(dialect.createDriver(), usage),
  }
}

function countingDriver(driver: Driver, usage: DatabaseUsageCounter): Driver {
  // One wrapper per driver connection, so Kysely sees the same object each time it gets it back.
  const wrappers = new WeakMap<DatabaseConnection, DatabaseConnection>()
  const wrap = (connection: DatabaseConnection): DatabaseConnection => {
    let wrapper = wrappers.get(connection)
    if (wrapper === undefined) {
      // The driver calls its own connection's private methods (release, discard) on what Kysely
      // passes back: everything but the two counted methods is the connection's own, bound to it.
      wrapper = new Proxy(connection, {
        get(target, property) {
          if (property === 'executeQuery') {
            return (query: Parameters<DatabaseConnection['executeQuery']>[0]) => {
              usage.countRoundTrip()
              return target.executeQuery(query)
            }
          }
          if (property === 'streamQuery') {
            return (...args: Parameters<DatabaseConnection['streamQuery']>) => {
              usage.countRoundTrip()
              return target.streamQuery(...args)
            }
          }
          const value: unknown = Reflect.get(target, property, target)
          return typeof value === 'function'
            ? (value as (...args: unknown[]) => unknown).bind(target)
            : value
        },
      })
      wrappers.set(connection, wrapper)
    }
    return wrapper
  }
  return {
    init: () => driver.init(),
    acquireConnection: async () => wrap(await driver.acquireConnection()),
    beginTransaction: (connection, settings) => driver.beginTransaction(connection, settings),
    commitTransaction: (connection) => driver.commitTransaction(connection),
    rollbackTransaction: (connection) => driver.rollbackTransaction(connection),
    ...(driver.savepoint !== undefined ? { savepoint: driver.savepoint.bind(driver) } : undefined),
    ...(driver.rollbackToSavepoint !== undefined
      ? { rollbackToSavepoint: driver.rollbackToSavepoint.bind(driver) }
      : undefined),
    ...(driver.releaseSavepoint !== undefined
      ? { releaseSavepoint: driver.releaseSavepoint.bind(driver) }
      : undefined),
    releaseConnection: (connection) => driver.releaseConnection(connection),
    destroy: () => driver.destroy(),
  }
}
