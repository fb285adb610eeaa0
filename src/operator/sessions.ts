import { createHash } from 'node:crypto'
import { randomToken } from '../crypto/keys.js'
import type { ClusterStore } from '../storage/store.js'

/** Random bytes of a session id (the cookie value). */
export const SESSION_ID_BYTES = 32
/** A session ends after this long without a request, in milliseconds. */
export const SESSION_IDLE_TIMEOUT_MS = 2 * 60 * 60 * 1000
/** A session ends this long after sign-in whatever its use, in milliseconds. */
export const SESSION_MAX_AGE_MS = 12 * 60 * 60 * 1000
/** Sessions kept at once; beyond it, the least recently used one ends. */
export const MAX_SESSIONS = 1_000

export interface OperatorSession {
  readonly email: string
  readonly createdMs: number
  readonly lastSeenMs: number
}

type SessionTable = Pick<
  ClusterStore,
  'createDashboardSession' | 'touchDashboardSession' | 'deleteDashboardSession'
>

const digest = (id: string) => createHash('sha256').update(id).digest('base64url')

/**
 * Server-side dashboard sessions, in the database so that a sign-in holds on every node of a
 * cluster and across restarts: the cookie holds a random id and the database only its SHA-256,
 * so a database dump or log line never carries a usable cookie.
 */
export class SessionStore {
  readonly #table: SessionTable
  readonly #now: () => number

  constructor(table: SessionTable, now: () => number = Date.now) {
    this.#table = table
    this.#now = now
  }

  /** Starts a session; returns the id to put in the cookie and the session. */
  async create(email: string): Promise<{ id: string; session: OperatorSession }> {
    const id = randomToken(SESSION_ID_BYTES)
    const now = this.#now()
    const session = { email, createdMs: now, lastSeenMs: now }
    await this.#table.createDashboardSession({ idHash: digest(id), ...session }, MAX_SESSIONS)
    return { id, session }
  }

  /** The live session of `id`, refreshed; `undefined` when unknown or expired (then forgotten). */
  async touch(id: string | undefined): Promise<OperatorSession | undefined> {
    if (id === undefined || id === '') return undefined
    const found = await this.#table.touchDashboardSession(digest(id), this.#now(), {
      idleMs: SESSION_IDLE_TIMEOUT_MS,
      maxAgeMs: SESSION_MAX_AGE_MS,
    })
    return found === undefined
      ? undefined
      : { email: found.email, createdMs: found.createdMs, lastSeenMs: found.lastSeenMs }
  }

  /** When the session of `id` ends at the latest, in epoch milliseconds. */
  expiresAt(session: OperatorSession): number {
    return Math.min(
      session.lastSeenMs + SESSION_IDLE_TIMEOUT_MS,
      session.createdMs + SESSION_MAX_AGE_MS,
    )
  }

  async end(id: string | undefined): Promise<void> {
    if (id !== undefined && id !== '') await this.#table.deleteDashboardSession(digest(id))
  }
}
