/**
 * Reads by key that share statements (group reads): a read asked for while another is on its way
 * to the database waits for it, then goes with every read that queued meanwhile, as one statement.
 * With nothing in flight a read goes at once, so an idle node pays no delay; under load the reads
 * of concurrent requests share round trips. For PostgreSQL, where each statement is a round trip
 * that wakes a server process (docs/performance.md, issue 20); a read sees the database as it is
 * when its statement runs, as it would alone, only a little later.
 */

/** Reads on their way to the database at once, at most; the next ones queue. */
export const MAX_READS_IN_FLIGHT = 1
/** Keys in one statement at most; further reads wait for the next. */
export const MAX_KEYS_PER_READ = 1_000

interface Waiting<Row> {
  readonly keys: readonly string[]
  readonly resolve: (rows: ReadonlyMap<string, Row>) => void
  readonly reject: (error: unknown) => void
}

export class ReadBatcher<Row> {
  readonly #fetch: (keys: readonly string[]) => Promise<ReadonlyMap<string, Row>>
  readonly #waiting: Waiting<Row>[] = []
  #inFlight = 0

  /** `fetch` reads the rows of these keys (deduplicated), by key; missing keys are absent. */
  constructor(fetch: (keys: readonly string[]) => Promise<ReadonlyMap<string, Row>>) {
    this.#fetch = fetch
  }

  /** The rows of `keys` that exist, by key. */
  read(keys: readonly string[]): Promise<ReadonlyMap<string, Row>> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ keys, resolve, reject })
      this.#pump()
    })
  }

  #pump(): void {
    while (this.#inFlight < MAX_READS_IN_FLIGHT && this.#waiting.length > 0) {
      const batch: Waiting<Row>[] = []
      const keys = new Set<string>()
      while (this.#waiting.length > 0) {
        const next = this.#waiting[0] as Waiting<Row>
        // The first read always goes, even one with more keys than the limit.
        if (batch.length > 0 && keys.size + next.keys.length > MAX_KEYS_PER_READ) break
        this.#waiting.shift()
        batch.push(next)
        for (const key of next.keys) keys.add(key)
      }
      this.#inFlight++
      void this.#fetch([...keys])
        .then(
          (rows) => {
            for (const waiting of batch) waiting.resolve(rows)
          },
          (error: unknown) => {
            for (const waiting of batch) waiting.reject(error)
          },
        )
        .finally(() => {
          this.#inFlight--
          this.#pump()
        })
    }
  }
}
