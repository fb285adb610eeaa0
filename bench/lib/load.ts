/**
 * Load over loopback HTTP: autocannon for concurrent load (every response's latency is kept, so
 * rounds can be merged and charted), and a sequential timer for one-at-a-time figures.
 */
import autocannon from 'autocannon'
import { elapsedMs } from './stats.js'

/** How long one request of the sequential timer may take before the bench gives up. */
export const REQUEST_TIMEOUT_MS = 30_000
/** autocannon's per-request timeout, in seconds. */
const AUTOCANNON_TIMEOUT_S = 30

export interface LoadSlice {
  /** Latency of each response, in ms. */
  readonly samples: number[]
  /** Responses whose status was not the expected one, plus request errors and timeouts. */
  readonly errors: number
  /** Wall time of the slice, in seconds. */
  readonly seconds: number
  /** How many responses had each unexpected status (`status 429`), and request errors. */
  readonly unexpected: Readonly<Record<string, number>>
}

export interface LoadOptions {
  readonly url: string
  readonly method: 'GET' | 'POST' | 'PATCH'
  readonly path: string
  readonly headers?: Readonly<Record<string, string>>
  /** A fixed body, or one built for the n-th request (unique e-mails, names). */
  readonly body?: string | ((n: number) => string)
  /** The path for the n-th request, when it changes (round-robin ids). */
  readonly pathFor?: (n: number) => string
  readonly connections: number
  /** Seconds of load; or `amount` requests. */
  readonly durationS?: number
  readonly amount?: number
  readonly expectStatus: number
}

/** A slice of token requests: `POST /oauth/token`, each expected to be answered 200. */
export function tokenSlice(
  options: Omit<LoadOptions, 'method' | 'path' | 'pathFor' | 'expectStatus'>,
): Promise<LoadSlice> {
  return loadSlice({ ...options, method: 'POST', path: '/oauth/token', expectStatus: 200 })
}

/** Runs autocannon once and keeps every response's latency. */
export async function loadSlice(options: LoadOptions): Promise<LoadSlice> {
  let n = 0
  const { body, pathFor } = options
  const dynamic = typeof body === 'function' || pathFor !== undefined
  const samples: number[] = []
  let errors = 0
  // Without a callback, autocannon returns its event emitter, made thenable.
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    timeout: AUTOCANNON_TIMEOUT_S,
    ...(options.amount !== undefined
      ? { amount: options.amount }
      : { duration: options.durationS ?? 1 }),
    requests: [
      {
        method: options.method,
        path: options.path,
        headers: { 'content-type': 'application/json', ...options.headers },
        ...(typeof body === 'string' ? { body } : undefined),
        ...(dynamic
          ? {
              setupRequest: (request: autocannon.Request) => {
                const i = n++
                return {
                  ...request,
                  ...(pathFor !== undefined ? { path: pathFor(i) } : undefined),
                  ...(typeof body === 'function' ? { body: body(i) } : undefined),
                }
              },
            }
          : undefined),
      },
    ],
  }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>
  const unexpected: Record<string, number> = {}
  const count = (key: string): void => {
    errors++
    unexpected[key] = (unexpected[key] ?? 0) + 1
  }
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode === options.expectStatus) samples.push(responseTime)
    else count(`status ${String(statusCode)}`)
  })
  instance.on('reqError', (error: unknown) => {
    count(`request error: ${error instanceof Error ? error.message : String(error)}`)
  })
  const started = process.hrtime.bigint()
  const result = await instance
  if (result.timeouts > 0) unexpected.timeouts = result.timeouts
  return {
    samples,
    errors: errors + result.timeouts,
    seconds: elapsedMs(started) / 1000,
    unexpected,
  }
}

/** Merges slices of one variant: all samples, requests per second over the slices' time. */
export function mergeSlices(slices: readonly LoadSlice[]): {
  samples: number[]
  errors: number
  perSecond: number
  extra?: Record<string, number>
} {
  const samples = slices.flatMap((s) => s.samples)
  const unexpected: Record<string, number> = {}
  for (const slice of slices) {
    for (const [key, n] of Object.entries(slice.unexpected))
      unexpected[key] = (unexpected[key] ?? 0) + n
  }
  const seconds = slices.reduce((sum, s) => sum + s.seconds, 0)
  return {
    samples,
    errors: slices.reduce((sum, s) => sum + s.errors, 0),
    perSecond: seconds > 0 ? samples.length / seconds : Number.NaN,
    ...(Object.keys(unexpected).length > 0 ? { extra: unexpected } : undefined),
  }
}

/**
 * Warm-up, then `rounds` rounds in which each variant runs one slice, in turn, so that a change in
 * the machine's load hits every variant alike. With `rotate`, round r starts at the r-th variant
 * (mod the count), so that each variant follows each other one equally often: when a variant's
 * process keeps working after its slice (a batch of spans exported on a timer, a garbage
 * collection), that work lands in the next variant's slice, and a fixed order would always charge
 * it to the same one (docs/performance.md, issue 21's third pass).
 */
export async function alternate<K extends string>(
  variants: readonly K[],
  rounds: number,
  slice: (variant: K, warmup: boolean) => Promise<LoadSlice>,
  options: { readonly rotate?: boolean } = {},
): Promise<Record<K, LoadSlice[]>> {
  for (const variant of variants) await slice(variant, true)
  const out = Object.fromEntries(variants.map((v) => [v, [] as LoadSlice[]])) as Record<
    K,
    LoadSlice[]
  >
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < variants.length; i++) {
      const variant = variants[(i + (options.rotate === true ? round : 0)) % variants.length]
      if (variant !== undefined) out[variant].push(await slice(variant, false))
    }
  }
  return out
}

export interface HttpAnswer {
  readonly status: number
  readonly body: unknown
  /** Wall time of the request, in ms. */
  readonly ms: number
}

/** One request with a deadline; the body is parsed as JSON when it is JSON. */
export async function http(
  url: string,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<HttpAnswer> {
  const start = process.hrtime.bigint()
  const res = await fetch(new URL(path, url), {
    method,
    headers: {
      ...(options.token !== undefined ? { authorization: `Bearer ${options.token}` } : undefined),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : undefined),
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : undefined),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  })
  const text = await res.text()
  const ms = elapsedMs(start)
  let body: unknown = text
  try {
    body = JSON.parse(text) as unknown
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body, ms }
}

/** Like {@link http}, but throws unless the status is the expected one. */
export async function httpOk(
  url: string,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  options: { token?: string; body?: unknown; status?: number } = {},
): Promise<HttpAnswer> {
  const answer = await http(url, method, path, options)
  const expected = options.status ?? (method === 'POST' ? 201 : 200)
  if (answer.status !== expected) {
    throw new Error(
      `${method} ${path} answered ${String(answer.status)}, not ${String(expected)}: ${JSON.stringify(answer.body).slice(0, 300)}`,
    )
  }
  return answer
}
