/**
 * Commits whose flush to disk happens off the event loop, for the SQLite store's tenant log
 * batches (docs/performance.md, issue 23).
 *
 * better-sqlite3 runs every statement on the calling thread, so with `synchronous=FULL` each
 * COMMIT waits for the disk (an `fsync` of the WAL file) with the whole server stopped: about 1 ms
 * per tenant-log batch on this project's test machines, 50 times a second under load. A batch is
 * no user's acknowledged write, but it must be on disk before the log says it was written. Here a
 * batch is committed with `synchronous=NORMAL` (SQLite writes the WAL frames without flushing
 * them), the connection is put back to FULL before anything else can run on it, and the WAL file
 * is then flushed with `fdatasync` on libuv's thread pool; the batch's promise resolves after that.
 * The guarantee is the one FULL gave (written means on disk), without stopping the event loop.
 *
 * Concurrent batches share flushes: a flush covers every frame written before it began, so a
 * batch waits for the flush in progress only if it began after the batch's commit, and otherwise
 * for the next one.
 */
import { close, fdatasync, openSync } from 'node:fs'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../schema.js'

/** Runs writes whose durability may wait for a flush made off the event loop. */
export interface DeferredSyncCommits {
  /**
   * Runs `write` on one connection with nothing else in between, committing without a flush,
   * then resolves once its WAL frames are on disk.
   */
  run<T>(write: (db: Kysely<Database>) => Promise<T>): Promise<T>
  /** Closes the WAL file's descriptor; later runs commit with a flush of their own. */
  close(): void
}

/** The flushes of one file: a flush in progress, and at most one waiting to start after it. */
class FileFlusher {
  readonly #fd: number
  #inProgress: Promise<void> | undefined
  #next: Promise<void> | undefined

  constructor(fd: number) {
    this.#fd = fd
  }

  /** Resolves once everything written to the file before this call is on disk. */
  flush(): Promise<void> {
    // The flush in progress may have begun before the caller's writes: wait for a new one.
    if (this.#inProgress === undefined) return this.#start()
    this.#next ??= this.#inProgress.then(
      () => this.#startNext(),
      () => this.#startNext(),
    )
    return this.#next
  }

  #startNext(): Promise<void> {
    this.#next = undefined
    return this.#start()
  }

  #start(): Promise<void> {
    const flushing = new Promise<void>((resolve, reject) => {
      fdatasync(this.#fd, (error) => (error === null ? resolve() : reject(error)))
    })
    this.#inProgress = flushing
    const done = (): void => {
      if (this.#inProgress === flushing) this.#inProgress = undefined
    }
    flushing.then(done, done)
    return flushing
  }
}

/**
 * Deferred-sync commits on `db`, the store's one SQLite connection, whose WAL file is `walPath`.
 * `undefined` when there is no WAL file to flush (an in-memory database): the caller then commits
 * as usual.
 */
export function deferredSyncCommits(
  db: Kysely<Database>,
  walPath: string,
): DeferredSyncCommits | undefined {
  let fd: number | undefined
  try {
    // fdatasync needs no write access; SQLite keeps this file (same inode) while it is open.
    fd = openSync(walPath, 'r')
  } catch {
    return undefined
  }
  const flusher = new FileFlusher(fd)
  return {
    async run<T>(write: (db: Kysely<Database>) => Promise<T>): Promise<T> {
      if (fd === undefined) return write(db)
      // One connection for the three steps, so no other statement runs while it is NORMAL.
      const result = await db.connection().execute(async (connection) => {
        await sql`pragma synchronous = NORMAL`.execute(connection)
        try {
          return await write(connection)
        } finally {
          await sql`pragma synchronous = FULL`.execute(connection)
        }
      })
      await flusher.flush()
      return result
    },
    close() {
      if (fd === undefined) return
      close(fd, () => {})
      fd = undefined
    },
  }
}
