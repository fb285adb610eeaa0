/**
 * The change bus of a PostgreSQL cluster (ADR 0008): `NOTIFY` on one channel, `LISTEN` on a
 * connection of its own (outside the pool: a pooled connection is handed to other queries and
 * would not keep listening). A dropped connection is reopened with a growing delay; since
 * notifications sent meanwhile are lost, every subscriber is then told "anything may have
 * changed" (`undefined`), and the caches' own short lifetime covers the time the bus was down.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import {
  ChangeListeners,
  MAX_CHANGE_FIELD_CHARS,
  type Change,
  type ChangeBus,
  type ChangeListener,
} from '../changes.js'

/** `application_name` of the listening connection, as `pg_stat_activity` shows it. */
export const CHANGE_BUS_APPLICATION_NAME = 'openhooks-change-bus'
/** The PostgreSQL channel every node listens on. */
export const CHANGE_CHANNEL = 'openhooks_changes'
/** First delay before reopening a dropped listening connection, in milliseconds. */
export const CHANGE_BUS_RECONNECT_MIN_MS = 100
/** Longest delay between attempts to reopen it, in milliseconds. */
export const CHANGE_BUS_RECONNECT_MAX_MS = 5_000
/**
 * How often the listening connection is probed, in milliseconds: a connection that died without
 * a reset (a dropped route) is found by the probe's timeout rather than never.
 */
export const CHANGE_BUS_PROBE_INTERVAL_MS = 10_000
/** Longest a probe or a batch of notifications may take, in milliseconds. */
export const CHANGE_BUS_QUERY_TIMEOUT_MS = 5_000
/** Changes kept while the connection is down, sent when it is back; beyond it, the oldest go. */
export const MAX_PENDING_CHANGES = 1_000

export interface PostgresChangeBusOptions {
  readonly connectionString: string
  /** Called with every failure (a dropped connection, a notification that could not be sent). */
  readonly onError?: (error: unknown, event: string) => void
  /** Another channel (tests run several clusters on one server). */
  readonly channel?: string
  /** Called for every statement sent on the listening connection (the round-trip metric). */
  readonly onRoundTrip?: () => void
}

interface Wire {
  /** Sending node. */
  readonly n: string
  readonly k: string
  /** Absent: every thing of the kind. */
  readonly i?: string
}

/** LISTEN/NOTIFY implementation of `ChangeBus`. Call `start()` before use. */
export class PostgresChangeBus implements ChangeBus {
  readonly #connectionString: string
  readonly #channel: string
  readonly #onError: (error: unknown, event: string) => void
  readonly #onRoundTrip: () => void
  readonly #listeners: ChangeListeners
  /** Identifies this node's own notifications, which it has already delivered. */
  readonly #node = randomBytes(8).toString('hex')
  #client: pg.Client | undefined
  #closed = false
  #everConnected = false
  #reconnectDelayMs = CHANGE_BUS_RECONNECT_MIN_MS
  #reconnectTimer: NodeJS.Timeout | undefined
  #probeTimer: NodeJS.Timeout | undefined
  /** Changes to send, deduplicated, in order. */
  readonly #pending = new Map<string, Wire>()
  #flushing = false

  constructor(options: PostgresChangeBusOptions) {
    this.#connectionString = options.connectionString
    this.#channel = options.channel ?? CHANGE_CHANNEL
    this.#onError = options.onError ?? (() => {})
    this.#onRoundTrip = options.onRoundTrip ?? (() => {})
    this.#listeners = new ChangeListeners((error) => this.#onError(error, 'change_bus.listener'))
  }

  /** Opens the listening connection; rejects when the first attempt fails. */
  async start(): Promise<void> {
    await this.#connect()
  }

  publish(change: Change): void {
    this.#listeners.deliver(change.kind, change.id)
    if (this.#closed) return
    const kind = change.kind.slice(0, MAX_CHANGE_FIELD_CHARS)
    const wire: Wire =
      change.id.length <= MAX_CHANGE_FIELD_CHARS
        ? { n: this.#node, k: kind, i: change.id }
        : { n: this.#node, k: kind }
    const key = `${wire.k}\u0000${wire.i ?? ''}`
    this.#pending.delete(key)
    this.#pending.set(key, wire)
    while (this.#pending.size > MAX_PENDING_CHANGES) {
      const oldest = this.#pending.keys().next().value
      if (oldest === undefined) break
      this.#pending.delete(oldest)
    }
    void this.#flush()
  }

  subscribe(kind: string, listener: ChangeListener): () => void {
    return this.#listeners.add(kind, listener)
  }

  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#reconnectTimer)
    clearInterval(this.#probeTimer)
    const client = this.#client
    this.#client = undefined
    await client?.end().catch(() => {})
  }

  /**
   * Sends what is pending in one round trip. Publications made meanwhile wait for the next one:
   * a burst of changes becomes a few batches, not one query each.
   */
  async #flush(): Promise<void> {
    const client = this.#client
    if (this.#flushing || client === undefined || this.#pending.size === 0) return
    this.#flushing = true
    const batch = [...this.#pending.values()]
    this.#pending.clear()
    try {
      this.#onRoundTrip()
      await client.query({
        text: 'select pg_notify($1, payload) from unnest($2::text[]) as payload',
        values: [this.#channel, batch.map((wire) => JSON.stringify(wire))],
      })
    } catch (error) {
      // Put them back (behind newer ones of the same thing, which supersede them): sent on reconnect.
      for (const wire of batch) {
        const key = `${wire.k}\u0000${wire.i ?? ''}`
        if (!this.#pending.has(key)) this.#pending.set(key, wire)
      }
      this.#onError(error, 'change_bus.publish_failed')
    } finally {
      this.#flushing = false
    }
    if (this.#pending.size > 0 && this.#client === client) void this.#flush()
  }

  #onNotification = (message: pg.Notification): void => {
    if (message.channel !== this.#channel || message.payload === undefined) return
    let wire: Partial<Wire>
    try {
      wire = JSON.parse(message.payload) as Partial<Wire>
    } catch (error) {
      this.#onError(error, 'change_bus.bad_payload')
      return
    }
    if (wire.n === this.#node || typeof wire.k !== 'string') return
    this.#listeners.deliver(wire.k, typeof wire.i === 'string' ? wire.i : undefined)
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.#connectionString,
      keepAlive: true,
      application_name: CHANGE_BUS_APPLICATION_NAME,
      connectionTimeoutMillis: CHANGE_BUS_QUERY_TIMEOUT_MS,
      query_timeout: CHANGE_BUS_QUERY_TIMEOUT_MS,
    })
    client.on('error', (error) => this.#dropped(client, error))
    client.on('end', () => this.#dropped(client, new Error('the listening connection ended')))
    client.on('notification', this.#onNotification)
    try {
      await client.connect()
      this.#onRoundTrip()
      await client.query(`listen ${pg.escapeIdentifier(this.#channel)}`)
    } catch (error) {
      client.removeAllListeners('end')
      await client.end().catch(() => {})
      throw error
    }
    if (this.#closed) {
      await client.end().catch(() => {})
      return
    }
    this.#client = client
    this.#reconnectDelayMs = CHANGE_BUS_RECONNECT_MIN_MS
    clearInterval(this.#probeTimer)
    this.#probeTimer = setInterval(() => {
      this.#onRoundTrip()
      client.query('select 1').catch((error: unknown) => this.#dropped(client, error))
    }, CHANGE_BUS_PROBE_INTERVAL_MS)
    this.#probeTimer.unref()
    if (this.#everConnected) {
      // Whatever other nodes said while this one was not listening is lost.
      this.#listeners.deliver(undefined, undefined)
    }
    this.#everConnected = true
    void this.#flush()
  }

  #dropped(client: pg.Client, error: unknown): void {
    if (this.#client !== client || this.#closed) return
    this.#client = undefined
    clearInterval(this.#probeTimer)
    client.removeAllListeners('end')
    void client.end().catch(() => {})
    this.#onError(error, 'change_bus.disconnected')
    this.#scheduleReconnect()
  }

  #scheduleReconnect(): void {
    if (this.#closed) return
    const delay = this.#reconnectDelayMs
    this.#reconnectDelayMs = Math.min(delay * 2, CHANGE_BUS_RECONNECT_MAX_MS)
    this.#reconnectTimer = setTimeout(() => {
      this.#connect().catch((error: unknown) => {
        this.#onError(error, 'change_bus.reconnect_failed')
        this.#scheduleReconnect()
      })
    }, delay)
    this.#reconnectTimer.unref()
  }
}
