import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { DatabaseUsage, TenantLogRecord } from '../storage/store.js'
import type { EgressCounts, HookRunner, RunnerStats, RunOutcome } from '../sandbox/runner.js'

/**
 * Prometheus metrics (docs/observability.md). METRIC_DEFINITIONS is the one list of every metric:
 * `createMetrics` builds them from it and `npm run docs` writes the table of docs/observability.md
 * from it, so the documentation cannot drift. Labels have bounded values only (trigger ids,
 * outcomes, route templates, status codes, worker slots), never a user, hook, client or IP.
 */

type Kind = 'counter' | 'gauge' | 'histogram'

export interface MetricDefinition {
  readonly name: string
  readonly kind: Kind
  readonly help: string
  readonly labels: readonly string[]
  /** Histogram bucket bounds, in the metric's unit. */
  readonly buckets?: readonly number[]
}

/** Bucket bounds of hook call durations, in seconds (a hook's default timeout is 20 s). */
export const HOOK_DURATION_BUCKETS_S = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20,
] as const
/** Bucket bounds of HTTP request durations, in seconds. */
export const HTTP_DURATION_BUCKETS_S = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
] as const

export const METRIC_DEFINITIONS = [
  {
    name: 'openhooks_hook_calls_total',
    kind: 'counter',
    help: 'Hook calls made by the flows, by trigger and outcome (success, hook_error, timeout, memory_limit, compile_error, sandbox_failure).',
    labels: ['trigger', 'outcome'],
  },
  {
    name: 'openhooks_hook_call_duration_seconds',
    kind: 'histogram',
    help: 'Duration of hook calls made by the flows, from the call to its outcome, by trigger and outcome.',
    labels: ['trigger', 'outcome'],
    buckets: HOOK_DURATION_BUCKETS_S,
  },
  {
    name: 'openhooks_sandbox_workers',
    kind: 'gauge',
    help: 'Sandbox worker processes up.',
    labels: [],
  },
  {
    name: 'openhooks_sandbox_worker_restarts_total',
    kind: 'counter',
    help: 'Sandbox worker processes started to replace one that died (killed, out of memory, unresponsive).',
    labels: [],
  },
  {
    name: 'openhooks_sandbox_warm_isolates',
    kind: 'gauge',
    help: 'Isolates kept warm, over all workers.',
    labels: [],
  },
  {
    name: 'openhooks_sandbox_isolates_created_total',
    kind: 'counter',
    help: 'Isolates created (cold starts), over all workers.',
    labels: [],
  },
  {
    name: 'openhooks_sandbox_calls_queued',
    kind: 'gauge',
    help: 'Hook calls waiting for a worker.',
    labels: [],
  },
  {
    name: 'openhooks_sandbox_calls_in_flight',
    kind: 'gauge',
    help: 'Hook calls running in a worker.',
    labels: [],
  },
  {
    name: 'openhooks_sandbox_worker_heap_bytes',
    kind: 'gauge',
    help: "Heap of the isolates of one worker (used heap plus external memory), by worker slot (0, 1, … in the pool's order).",
    labels: ['worker'],
  },
  {
    name: 'openhooks_hook_egress_requests_total',
    kind: 'counter',
    help: 'Outbound requests of hooks (fetch, http, request) by outcome: sent, refused (egress policy or per-call limit), timed_out, too_large, failed.',
    labels: ['outcome'],
  },
  {
    name: 'openhooks_http_requests_total',
    kind: 'counter',
    help: 'HTTP requests answered, by method, route template (`unmatched` for no route) and status code.',
    labels: ['method', 'route', 'status'],
  },
  {
    name: 'openhooks_http_request_duration_seconds',
    kind: 'histogram',
    help: 'Time from an HTTP request to its response, by method and route template.',
    labels: ['method', 'route'],
    buckets: HTTP_DURATION_BUCKETS_S,
  },
  {
    name: 'openhooks_token_exchanges_total',
    kind: 'counter',
    help: 'Token exchanges that reached a grant (the tenant log events seccft, sepft, seoobft and their failures), by grant and outcome (success, failure).',
    labels: ['grant', 'outcome'],
  },
  {
    name: 'openhooks_signups_total',
    kind: 'counter',
    help: 'Signups (tenant log events ss and fs), by outcome (success, failure).',
    labels: ['outcome'],
  },
  {
    name: 'openhooks_mfa_sms_total',
    kind: 'counter',
    help: 'MFA text messages (tenant log events gd_send_sms and gd_send_sms_failure), by outcome (sent, refused).',
    labels: ['outcome'],
  },
  {
    name: 'openhooks_management_rate_limited_total',
    kind: 'counter',
    help: 'Management API requests refused by the rate limit (429).',
    labels: [],
  },
  {
    name: 'openhooks_database_round_trips_total',
    kind: 'counter',
    help: "Statements sent to the database, by backend (sqlite, postgresql): queries, BEGIN, COMMIT and ROLLBACK, and on PostgreSQL the change bus's LISTEN, NOTIFY and probes. On PostgreSQL each is one network round trip; SQLite runs them in-process.",
    labels: ['backend'],
  },
  {
    name: 'openhooks_database_pool_connections',
    kind: 'gauge',
    help: "Connections of the database pool, by backend and state (idle, in_use); their sum is the connections open. PostgreSQL only (the change bus's own connection is not in the pool): SQLite has one synchronous connection and no pool, so it has no series.",
    labels: ['backend', 'state'],
  },
  {
    name: 'openhooks_database_pool_max_connections',
    kind: 'gauge',
    help: 'Connections the database pool may open (OPENHOOKS_DATABASE_POOL_SIZE), by backend. PostgreSQL only.',
    labels: ['backend'],
  },
  {
    name: 'openhooks_database_pool_waiting_requests',
    kind: 'gauge',
    help: 'Requests waiting for a connection of the database pool (all connections in use), by backend. PostgreSQL only.',
    labels: ['backend'],
  },
] as const satisfies readonly MetricDefinition[]

type MetricName = (typeof METRIC_DEFINITIONS)[number]['name']

/** Where each RunOutcome kind is counted. */
export const HOOK_OUTCOME_LABELS: Readonly<Record<RunOutcome['kind'], string>> = {
  ok: 'success',
  'hook-error': 'hook_error',
  timeout: 'timeout',
  memory: 'memory_limit',
  'compile-error': 'compile_error',
  limit: 'sandbox_failure',
  crash: 'sandbox_failure',
}

/** Tenant log types counted as token exchanges: grant and outcome. */
const TOKEN_EXCHANGE_TYPES: Readonly<Record<string, readonly [string, string]>> = {
  seccft: ['client_credentials', 'success'],
  feccft: ['client_credentials', 'failure'],
  sepft: ['password', 'success'],
  fepft: ['password', 'failure'],
  seoobft: ['mfa_oob', 'success'],
  feoobft: ['mfa_oob', 'failure'],
}

const EGRESS_OUTCOME_LABELS: Readonly<Record<keyof EgressCounts, string>> = {
  sent: 'sent',
  refused: 'refused',
  timedOut: 'timed_out',
  tooLarge: 'too_large',
  failed: 'failed',
}

/** The trigger label of a call: its lane (the extensibility point), or `unknown`. */
function triggerOf(lane: string | undefined): string {
  return lane ?? 'unknown'
}

/**
 * The metrics of one openhooks process, on their own registry (with prom-client's default process
 * metrics). Every node serves its own; nothing is aggregated here.
 */
export class Metrics {
  readonly registry = new Registry()
  readonly #counters = new Map<string, Counter>()
  readonly #gauges = new Map<string, Gauge>()
  readonly #histograms = new Map<string, Histogram>()
  /** Per worker pid: the counts of its last sample, to turn them into counter increments. */
  readonly #lastWorkerCounts = new Map<number, { isolates: number; egress: EgressCounts }>()
  #restartsSeen = 0
  #sampleSandbox: (() => Promise<RunnerStats>) | undefined
  #database: DatabaseUsage | undefined
  #roundTripsSeen = 0

  constructor(options: { readonly processMetrics?: boolean } = {}) {
    for (const definition of METRIC_DEFINITIONS as readonly MetricDefinition[]) {
      const base = {
        name: definition.name,
        help: definition.help,
        labelNames: [...definition.labels],
        registers: [this.registry],
      }
      if (definition.kind === 'counter') this.#counters.set(definition.name, new Counter(base))
      else if (definition.kind === 'gauge') this.#gauges.set(definition.name, new Gauge(base))
      else {
        const buckets = [...(definition.buckets ?? [])]
        this.#histograms.set(definition.name, new Histogram({ ...base, buckets }))
      }
    }
    if (options.processMetrics !== false) {
      collectDefaultMetrics({ register: this.registry, prefix: 'openhooks_' })
    }
  }

  counter(name: MetricName): Counter {
    const metric = this.#counters.get(name)
    if (metric === undefined) throw new TypeError(`${name} is not a counter`)
    return metric
  }

  gauge(name: MetricName): Gauge {
    const metric = this.#gauges.get(name)
    if (metric === undefined) throw new TypeError(`${name} is not a gauge`)
    return metric
  }

  histogram(name: MetricName): Histogram {
    const metric = this.#histograms.get(name)
    if (metric === undefined) throw new TypeError(`${name} is not a histogram`)
    return metric
  }

  /** Counts one hook call of a flow. */
  hookCall(lane: string | undefined, outcome: RunOutcome): void {
    const labels = { trigger: triggerOf(lane), outcome: HOOK_OUTCOME_LABELS[outcome.kind] }
    this.counter('openhooks_hook_calls_total').inc(labels)
    this.histogram('openhooks_hook_call_duration_seconds').observe(
      labels,
      outcome.durationMs / 1000,
    )
  }

  /** Counts what a tenant log event says (token exchanges, signups, MFA SMS). */
  tenantLogEvent(event: TenantLogRecord): void {
    const exchange = TOKEN_EXCHANGE_TYPES[event.type]
    if (exchange !== undefined) {
      this.counter('openhooks_token_exchanges_total').inc({
        grant: exchange[0],
        outcome: exchange[1],
      })
    } else if (event.type === 'ss' || event.type === 'fs') {
      this.counter('openhooks_signups_total').inc({
        outcome: event.type === 'ss' ? 'success' : 'failure',
      })
    } else if (event.type === 'gd_send_sms' || event.type === 'gd_send_sms_failure') {
      this.counter('openhooks_mfa_sms_total').inc({
        outcome: event.type === 'gd_send_sms' ? 'sent' : 'refused',
      })
    }
  }

  /** Counts one answered HTTP request. */
  httpRequest(method: string, route: string | undefined, status: number, seconds: number): void {
    const template = route ?? 'unmatched'
    this.counter('openhooks_http_requests_total').inc({
      method,
      route: template,
      status: String(status),
    })
    this.histogram('openhooks_http_request_duration_seconds').observe(
      { method, route: template },
      seconds,
    )
  }

  managementRateLimited(): void {
    this.counter('openhooks_management_rate_limited_total').inc()
  }

  /** The sandbox gauges and counters are sampled from `stats` at each scrape. */
  watchSandbox(stats: () => Promise<RunnerStats>): void {
    this.#sampleSandbox = stats
  }

  /** The database's gauges and round trips are read from `usage` at each scrape. */
  watchDatabase(usage: DatabaseUsage): void {
    this.#database = usage
    this.#roundTripsSeen = usage.roundTrips()
    // The series exists from the start, at zero, so that a rate over it starts at once.
    this.counter('openhooks_database_round_trips_total').inc({ backend: usage.backend }, 0)
  }

  /** The metrics in Prometheus' text format, after sampling the sandbox and the database. */
  async text(): Promise<string> {
    if (this.#sampleSandbox !== undefined) this.#recordSandbox(await this.#sampleSandbox())
    if (this.#database !== undefined) this.#recordDatabase(this.#database)
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }

  #recordDatabase(usage: DatabaseUsage): void {
    const backend = usage.backend
    const roundTrips = usage.roundTrips()
    const delta = roundTrips - this.#roundTripsSeen
    this.#roundTripsSeen = roundTrips
    if (delta > 0) this.counter('openhooks_database_round_trips_total').inc({ backend }, delta)
    const pool = usage.pool()
    if (pool === undefined) return
    const connections = this.gauge('openhooks_database_pool_connections')
    connections.set({ backend, state: 'idle' }, pool.idle)
    connections.set({ backend, state: 'in_use' }, pool.total - pool.idle)
    this.gauge('openhooks_database_pool_max_connections').set({ backend }, pool.max)
    this.gauge('openhooks_database_pool_waiting_requests').set({ backend }, pool.waiting)
  }

  #recordSandbox(stats: RunnerStats): void {
    this.gauge('openhooks_sandbox_workers').set(stats.workers.length)
    this.gauge('openhooks_sandbox_calls_queued').set(stats.pendingCalls)
    let warm = 0
    let inFlight = 0
    const heap = this.gauge('openhooks_sandbox_worker_heap_bytes')
    heap.reset()
    const egress = this.counter('openhooks_hook_egress_requests_total')
    const created = this.counter('openhooks_sandbox_isolates_created_total')
    const seen = new Set<number>()
    stats.workers.forEach((worker, slot) => {
      warm += worker.warmIsolates
      inFlight += worker.inFlightCalls
      heap.set({ worker: String(slot) }, worker.isolateHeapBytes)
      seen.add(worker.pid)
      const last = this.#lastWorkerCounts.get(worker.pid)
      created.inc(worker.isolatesCreated - (last?.isolates ?? 0))
      for (const key of Object.keys(EGRESS_OUTCOME_LABELS) as (keyof EgressCounts)[]) {
        const delta = worker.egress[key] - (last?.egress[key] ?? 0)
        if (delta > 0) egress.inc({ outcome: EGRESS_OUTCOME_LABELS[key] }, delta)
      }
      this.#lastWorkerCounts.set(worker.pid, {
        isolates: worker.isolatesCreated,
        egress: worker.egress,
      })
    })
    for (const pid of this.#lastWorkerCounts.keys()) {
      if (!seen.has(pid)) this.#lastWorkerCounts.delete(pid)
    }
    this.gauge('openhooks_sandbox_warm_isolates').set(warm)
    this.gauge('openhooks_sandbox_calls_in_flight').set(inFlight)
    const restarts = stats.workerRestarts - this.#restartsSeen
    if (restarts > 0) this.counter('openhooks_sandbox_worker_restarts_total').inc(restarts)
    this.#restartsSeen = stats.workerRestarts
  }
}

/** `runner`, with every call counted in `metrics` (the flows' runner; the Runner's is not). */
export function observeRunner(runner: HookRunner, metrics: Metrics): HookRunner {
  return {
    run: async (request) => {
      const outcome = await runner.run(request)
      metrics.hookCall(request.lane, outcome)
      return outcome
    },
    retire: (hookId) => {
      runner.retire(hookId)
    },
    close: () => runner.close(),
    stats: () => runner.stats(),
  }
}
