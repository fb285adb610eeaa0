/**
 * The change bus (ADR 0008): a node says "this thing changed" and every node, itself included,
 * drops what it cached of it. A change names a kind (`hook`, `client`, `tenant-log`, …) and an
 * id; it carries no data, so a lost message costs freshness, never correctness: every cache that
 * listens also expires on its own short lifetime.
 *
 * One SQLite node needs only the in-process bus below; several nodes on PostgreSQL use
 * `PostgresChangeBus` (`sql/postgres-changes.ts`, LISTEN/NOTIFY on a dedicated connection).
 */

/** One change: what kind of thing, and which one. */
export interface Change {
  /** A short lower-case name: `hook`, `client`, `resource-server`, `grant`, `tenant-log`, … */
  readonly kind: string
  readonly id: string
}

/**
 * Receives the id of a changed thing of the subscribed kind, or `undefined` when changes may
 * have been missed (the bus lost its connection): drop every cached thing of that kind.
 */
export type ChangeListener = (id: string | undefined) => void

export interface ChangeBus {
  /**
   * Tells every node. The subscribers of this process are called before `publish` returns (so a
   * response sent after it never finds this node's cache stale); other nodes hear of it as soon
   * as the database passes it on. Never throws: a change that cannot be sent is logged, and the
   * other nodes see it when their caches expire.
   */
  publish(change: Change): void
  /** Calls `listener` for every change of `kind`, from any node. Returns the unsubscribe. */
  subscribe(kind: string, listener: ChangeListener): () => void
  close(): Promise<void>
}

/** Longest `kind` or `id` of a change, in characters (PostgreSQL's NOTIFY payload is < 8000 bytes). */
export const MAX_CHANGE_FIELD_CHARS = 256

/** The subscribers of one process, by kind; both buses deliver through it. */
export class ChangeListeners {
  readonly #byKind = new Map<string, Set<ChangeListener>>()
  readonly #onError: (error: unknown) => void

  constructor(onError: (error: unknown) => void) {
    this.#onError = onError
  }

  add(kind: string, listener: ChangeListener): () => void {
    let set = this.#byKind.get(kind)
    if (set === undefined) {
      set = new Set()
      this.#byKind.set(kind, set)
    }
    set.add(listener)
    return () => {
      set.delete(listener)
    }
  }

  /** Calls the listeners of `kind` (or of every kind when `kind` is undefined). */
  deliver(kind: string | undefined, id: string | undefined): void {
    const sets = kind === undefined ? [...this.#byKind.values()] : [this.#byKind.get(kind)]
    for (const set of sets) {
      for (const listener of set ?? []) {
        try {
          listener(id)
        } catch (error) {
          this.#onError(error)
        }
      }
    }
  }
}

/** The bus of a single process (SQLite): a change reaches this process's subscribers only. */
export class LocalChangeBus implements ChangeBus {
  readonly #listeners: ChangeListeners

  constructor(onError: (error: unknown) => void = () => {}) {
    this.#listeners = new ChangeListeners(onError)
  }

  publish(change: Change): void {
    this.#listeners.deliver(change.kind, change.id)
  }

  subscribe(kind: string, listener: ChangeListener): () => void {
    return this.#listeners.add(kind, listener)
  }

  close(): Promise<void> {
    return Promise.resolve()
  }
}
