import type { Logger } from '../logging/logger.js'

/**
 * How long closing the server waits for detached work (post-* hooks) still running, in
 * milliseconds, so that their log events are written before the store closes.
 */
export const DETACHED_DRAIN_TIMEOUT_MS = 5_000

/**
 * Work that runs after a response, detached from the request (STYLE §5: non-blocking triggers run
 * after the commit; a client disconnect does not cancel them). Failures are logged, never thrown.
 */
export class DetachedTasks {
  readonly #pending = new Set<Promise<void>>()
  readonly #logger: Logger

  constructor(logger: Logger) {
    this.#logger = logger
  }

  readonly run = (task: () => Promise<void>): void => {
    const running: Promise<void> = task()
      .catch((error: unknown) => {
        this.#logger.error({ err: error, event: 'hook.detached_failed' }, 'detached task failed')
      })
      .finally(() => this.#pending.delete(running))
    this.#pending.add(running)
  }

  /** Waits for the running tasks, at most `DETACHED_DRAIN_TIMEOUT_MS`. */
  async drain(): Promise<void> {
    if (this.#pending.size === 0) return
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, DETACHED_DRAIN_TIMEOUT_MS)
    })
    await Promise.race([Promise.allSettled([...this.#pending]), deadline])
    clearTimeout(timer)
  }
}
