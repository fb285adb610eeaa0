import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely'
import { type ClientSpanDescription, withClientSpan } from './tracing.js'

/**
 * Spans of the database calls (docs/observability.md): a Kysely dialect whose driver runs every
 * statement, and every transaction's begin, commit and rollback, inside a client span named after
 * the statement's operation and table (`SELECT clients`). The composition root wraps the store's
 * dialect with it only when tracing is on; off, the store's Kysely has the plain dialect.
 *
 * Attributes name the statement, never its values: `db.system`, `db.operation`, `db.sql.table` and
 * `db.query.summary` come from the statement's operation node, or from the first word of its SQL
 * text when that is a SQL keyword, never from its parameters (the bound values: ids, hashes,
 * sealed secrets) nor from the rest of the text. A span is made only inside a recorded trace (`withClientSpan`), so the statements of
 * the start, the migrations and the background work (the tenant log's group commit, pruning) are
 * not spans.
 */

/** The `db.system` of the store's databases. */
export type DbSystem = 'sqlite' | 'postgresql'

/** Wraps a store's dialect so that its statements are spans (see the module's comment). */
export function traceDialect(dialect: Dialect, system: DbSystem): Dialect {
  return {
    createDriver: () => tracedDriver(dialect.createDriver(), system),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  }
}

/** The operation, table and summary of a statement, from its operation node when Kysely built it. */
export function describeStatement(system: DbSystem, query: CompiledQuery): ClientSpanDescription {
  const node = query.query as StatementNode
  let operation: string | undefined
  let table: string | undefined
  switch (node.kind) {
    case 'SelectQueryNode':
      operation = 'SELECT'
      table = tableOf(node.from)
      break
    case 'InsertQueryNode':
      operation = 'INSERT'
      table = tableOf(node.into)
      break
    case 'UpdateQueryNode':
      operation = 'UPDATE'
      table = tableOf(node.table)
      break
    case 'DeleteQueryNode':
      operation = 'DELETE'
      table = tableOf(node.from)
      break
    default:
      // Raw SQL (`sql\`…\``) and schema statements: the first word of the text, when it is a
      // SQL keyword of the list.
      operation = FIRST_WORD.exec(query.sql)?.[1]?.toUpperCase()
  }
  return describe(
    system,
    operation !== undefined && SQL_KEYWORDS.has(operation) ? operation : 'OTHER',
    table,
  )
}

function describe(system: DbSystem, operation: string, table?: string): ClientSpanDescription {
  const summary = table !== undefined ? `${operation} ${table}` : operation
  return {
    name: summary,
    attributes: {
      'db.system': system,
      'db.operation': operation,
      ...(table !== undefined ? { 'db.sql.table': table } : undefined),
      'db.query.summary': summary,
    },
  }
}

/** The first word of a SQL text. */
const FIRST_WORD = /^\s*([A-Za-z]{1,20})\b/
/** What the first word of a raw statement may be named as; any other word is `OTHER`. */
const SQL_KEYWORDS: ReadonlySet<string> = new Set([
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'WITH',
  'VALUES',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'SAVEPOINT',
  'RELEASE',
  'SET',
  'RESET',
  'SHOW',
  'CREATE',
  'ALTER',
  'DROP',
  'TRUNCATE',
  'PRAGMA',
  'VACUUM',
  'ANALYZE',
  'EXPLAIN',
  'LOCK',
  'LISTEN',
  'UNLISTEN',
  'NOTIFY',
])

/** The parts of Kysely's operation nodes read here (they are plain frozen objects). */
interface StatementNode {
  readonly kind: string
  readonly from?: unknown
  readonly into?: unknown
  readonly table?: unknown
}

/** The first table of a `from` list, an `into` or an update's table, through aliases. */
function tableOf(node: unknown): string | undefined {
  const n = node as
    | {
        readonly kind?: string
        readonly table?: { readonly identifier?: { readonly name?: unknown } }
        readonly node?: unknown
        readonly froms?: readonly unknown[]
      }
    | undefined
  switch (n?.kind) {
    case 'TableNode': {
      const name = n.table?.identifier?.name
      return typeof name === 'string' ? name : undefined
    }
    case 'AliasNode':
      return tableOf(n.node)
    case 'FromNode':
      return tableOf(n.froms?.[0])
    case undefined:
    default:
      return undefined
  }
}

/** A connection whose statements are spans; the driver's own calls get the connection it made. */
class TracedConnection implements DatabaseConnection {
  readonly inner: DatabaseConnection
  readonly system: DbSystem

  constructor(inner: DatabaseConnection, system: DbSystem) {
    this.inner = inner
    this.system = system
  }

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return withClientSpan(
      () => describeStatement(this.system, query),
      () => this.inner.executeQuery<R>(query),
    )
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize)
  }
}

function innerOf(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof TracedConnection ? connection.inner : connection
}

type Savepoint = NonNullable<Driver['savepoint']>

function tracedDriver(inner: Driver, system: DbSystem): Driver {
  /** One wrapper per connection of the driver (SQLite has one, a `pg` pool one per client). */
  const wrappers = new WeakMap<DatabaseConnection, TracedConnection>()
  const transaction = (operation: string, fn: () => Promise<void>): Promise<void> =>
    withClientSpan(() => describe(system, operation), fn)
  // Kysely checks whether a driver has savepoints: keep them only where the inner one does.
  const savepoint = (operation: string, method: Savepoint | undefined): Savepoint | undefined =>
    method === undefined
      ? undefined
      : (connection, name, compile: QueryCompiler['compileQuery']) =>
          transaction(operation, () => method(innerOf(connection), name, compile))
  const savepoints = {
    savepoint: savepoint('SAVEPOINT', inner.savepoint?.bind(inner)),
    rollbackToSavepoint: savepoint('ROLLBACK', inner.rollbackToSavepoint?.bind(inner)),
    releaseSavepoint: savepoint('RELEASE', inner.releaseSavepoint?.bind(inner)),
  }
  return {
    ...Object.fromEntries(Object.entries(savepoints).filter(([, method]) => method !== undefined)),
    init: () => inner.init(),
    acquireConnection: async () => {
      const connection = await inner.acquireConnection()
      let wrapper = wrappers.get(connection)
      if (wrapper === undefined) {
        wrapper = new TracedConnection(connection, system)
        wrappers.set(connection, wrapper)
      }
      return wrapper
    },
    beginTransaction: (connection: DatabaseConnection, settings: TransactionSettings) =>
      transaction('BEGIN', () => inner.beginTransaction(innerOf(connection), settings)),
    commitTransaction: (connection: DatabaseConnection) =>
      transaction('COMMIT', () => inner.commitTransaction(innerOf(connection))),
    rollbackTransaction: (connection: DatabaseConnection) =>
      transaction('ROLLBACK', () => inner.rollbackTransaction(innerOf(connection))),
    releaseConnection: (connection: DatabaseConnection) =>
      inner.releaseConnection(innerOf(connection)),
    destroy: () => inner.destroy(),
  }
}
