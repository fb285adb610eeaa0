/**
 * What observability costs the token endpoint (issue 21): `/oauth/token` (client credentials) with
 * an enabled `credentials-exchange` hook, with everything off, with Prometheus metrics on
 * (`OPENHOOKS_METRICS=on`), and with OpenTelemetry tracing on, exporting over OTLP/HTTP to a
 * receiver on loopback in this process (every request recorded; and, not a target, 10 % sampled). Interleaved rounds under the same concurrent load; the
 * targets compare each round's throughput with the same round's "off", and take the median.
 *
 * Tracing is one per process, so every variant is an app alone in a server process of its own
 * (like with like: a process that hosts two apps measured faster than one alone, docs/performance.md),
 * the tracing ones started with the `OTEL_*` variables. An A/A control, "off" again in one more
 * process, shows the spread of a variant with nothing changed; the rounds rotate the variants'
 * order.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { TWO_CLAIMS_HOOK } from '../lib/hooks.js'
import { alternate, http, mergeSlices, tokenSlice } from '../lib/load.js'
import { startAppServer, type AppEndpoint, type AppServer } from '../lib/processes.js'
import { byProfile, type Scenario } from '../lib/scenario.js'
import { createHook, createMachineClient, tokenRequestBody } from '../lib/setup.js'
import { target, type VariantResult } from '../lib/stats.js'

const SETTINGS = {
  smoke: { connections: 2, warmup: { amount: 10 }, slice: { amount: 20 }, rounds: 1 },
  quick: { connections: 8, warmup: { durationS: 1 }, slice: { durationS: 2 }, rounds: 5 },
  full: { connections: 8, warmup: { durationS: 3 }, slice: { durationS: 5 }, rounds: 9 },
} as const

const OFF = 'off'
const CONTROL = 'off, own process (control)'
const METRICS = 'metrics on'
const TRACING = 'tracing on (OTLP to loopback)'
const SAMPLED = 'tracing on, 10 % sampled'
const VARIANTS = [OFF, METRICS, TRACING, SAMPLED, CONTROL] as const
type Variant = (typeof VARIANTS)[number]

/** The sampled variant's `OTEL_TRACES_SAMPLER_ARG`: the share of traces it records. */
const SAMPLED_RATIO = '0.1'

/** Throughput targets of issue 21: on ≥ this × off. */
const METRICS_MIN_RATIO = 0.97
const TRACING_MIN_RATIO = 0.9

/** How long the receiver lets one POST take to arrive, in ms (a stuck exporter, not a bound). */
const RECEIVER_REQUEST_TIMEOUT_MS = 30_000

/** How long to wait for the first export after the load (the SDK exports every 5 s), in ms. */
const EXPORT_DEADLINE_MS = 20_000
const EXPORT_POLL_MS = 100

/** The collector: accepts `POST /v1/traces` and counts the posts and their bytes, unparsed. */
interface Receiver {
  readonly url: string
  readonly posts: () => number
  readonly bytes: () => number
  close(): Promise<void>
}

async function startReceiver(): Promise<Receiver> {
  let posts = 0
  let bytes = 0
  const server: Server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (bytes += chunk.length))
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        posts++
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      } else res.writeHead(404).end()
    })
  })
  server.requestTimeout = RECEIVER_REQUEST_TIMEOUT_MS
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${String(port)}`,
    posts: () => posts,
    bytes: () => bytes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** The median of per-round ratios (each round's variant against the same round's "off"). */
function medianRatio(on: readonly number[], off: readonly number[]): number {
  const ratios = on.map((value, i) => value / (off[i] ?? Number.NaN)).sort((a, b) => a - b)
  const mid = Math.floor(ratios.length / 2)
  return ratios.length % 2 === 1
    ? (ratios[mid] ?? Number.NaN)
    : ((ratios[mid - 1] ?? Number.NaN) + (ratios[mid] ?? Number.NaN)) / 2
}

export const observabilityCostScenario: Scenario = {
  id: 'observability-cost',
  title: 'Observability cost: token endpoint with a hook, metrics and tracing off / on',
  async run({ profile, log }) {
    const settings = byProfile(profile, SETTINGS)
    const receiver = await startReceiver()
    const servers: AppServer[] = []
    try {
      servers.push(await startAppServer([{ name: OFF, runner: 'sandbox' }]))
      servers.push(
        await startAppServer([
          { name: METRICS, runner: 'sandbox', env: { OPENHOOKS_METRICS: 'on' } },
        ]),
      )
      servers.push(
        await startAppServer([{ name: TRACING, runner: 'sandbox' }], {
          // The SDK's defaults otherwise (batch processor: 5 s, 2048 spans, 512 per export).
          tracingEnv: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
        }),
      )
      // The control: "off" again, in a process of its own like every variant.
      servers.push(await startAppServer([{ name: CONTROL, runner: 'sandbox' }]))
      // Not a target: what sampling buys (docs/observability.md), the same otherwise.
      servers.push(
        await startAppServer([{ name: SAMPLED, runner: 'sandbox' }], {
          tracingEnv: {
            OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
            OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
            OTEL_TRACES_SAMPLER_ARG: SAMPLED_RATIO,
          },
        }),
      )
      const apps = {} as Record<Variant, AppEndpoint>
      const bodies = {} as Record<Variant, string>
      for (const variant of VARIANTS) {
        const app = servers.map((s) => s.apps[variant]).find((a) => a !== undefined)
        if (app === undefined) throw new Error(`no app ${variant}`)
        apps[variant] = app
        bodies[variant] = tokenRequestBody(await createMachineClient(app))
        await createHook(app, 'credentials-exchange', TWO_CLAIMS_HOOK)
      }
      log(`observability-cost: ${String(settings.rounds)} rounds × ${VARIANTS.length} variants`)
      const slices = await alternate(
        VARIANTS,
        settings.rounds,
        (variant, warmup) =>
          tokenSlice({
            url: apps[variant].url,
            body: bodies[variant],
            connections: settings.connections,
            ...(warmup ? settings.warmup : settings.slice),
          }),
        // A tracing process exports its last spans after its slice, in the next variant's.
        { rotate: true },
      )
      const perRound = (variant: Variant): number[] =>
        slices[variant].map((s) => s.samples.length / s.seconds)
      const variants: VariantResult[] = VARIANTS.map((name) => ({
        name,
        ...mergeSlices(slices[name]),
      }))

      // Both were on: the metrics counted the hook calls, the receiver got spans.
      const scrape = await http(apps[METRICS].url, 'GET', '/metrics', {
        token: apps[METRICS].token,
      })
      const counted = /^openhooks_hook_calls_total\{[^}]*outcome="success"[^}]*\} (\d+)/m.exec(
        String(scrape.body),
      )?.[1]
      if (scrape.status !== 200 || counted === undefined || Number(counted) === 0) {
        throw new Error(`metrics were not on: ${String(scrape.status)}`)
      }
      // Spans still buffered are exported at the latest when the batch processor's delay ends.
      const deadline = Date.now() + EXPORT_DEADLINE_MS
      while (receiver.posts() === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, EXPORT_POLL_MS))
      }
      const posts = receiver.posts()
      if (posts === 0) throw new Error('the OTLP receiver got no spans: tracing was not on')

      const metricsRatio = medianRatio(perRound(METRICS), perRound(OFF))
      const tracingRatio = medianRatio(perRound(TRACING), perRound(OFF))
      const sampledRatio = medianRatio(perRound(SAMPLED), perRound(OFF))
      const controlRatio = medianRatio(perRound(CONTROL), perRound(OFF))
      return {
        id: 'observability-cost',
        title: this.title,
        unit: 'one token request over HTTP, with an enabled credentials-exchange hook',
        variants,
        ratios: [
          { label: 'req/s, metrics on / off (median of rounds)', value: metricsRatio },
          { label: 'req/s, tracing on / off (median of rounds)', value: tracingRatio },
          { label: 'req/s, tracing 10 % sampled / off (median of rounds)', value: sampledRatio },
          { label: 'req/s, A/A control / off (median of rounds)', value: controlRatio },
        ],
        targets: [
          target(
            `throughput with metrics on ≥ ${String(METRICS_MIN_RATIO)}× off`,
            metricsRatio,
            '>=',
            METRICS_MIN_RATIO,
            '×',
          ),
          target(
            `throughput with tracing on ≥ ${String(TRACING_MIN_RATIO)}× off`,
            tracingRatio,
            '>=',
            TRACING_MIN_RATIO,
            '×',
          ),
        ],
        notes: [
          `${String(settings.connections)} connections; ${String(settings.rounds)} interleaved rounds of ${'durationS' in settings.slice ? `${String(settings.slice.durationS)} s` : `${String(settings.slice.amount)} requests`} per variant after a warm-up, each round starting one variant later than the last; the ratios are the medians of the rounds' ratios.`,
          'Each variant is one app alone in a server process of its own (tracing is per process): "tracing on" with OTEL_EXPORTER_OTLP_ENDPOINT set, "10 % sampled" also with OTEL_TRACES_SAMPLER=parentbased_traceidratio and OTEL_TRACES_SAMPLER_ARG=0.1, the A/A control "off" again; each app has its own sandbox worker.',
          `"tracing on" records every request (the target's case); both export with openhooks' batch span processor (the SDK's default settings) to one loopback receiver in the bench process, which reads and counts the bytes without parsing them (a collector's socket, no more): ${String(posts)} posts, ${(receiver.bytes() / 1e6).toFixed(1)} MB of OTLP JSON.`,
          'Metrics are not scraped during the load (a Prometheus scrape every 15 s costs one render).',
        ],
      }
    } finally {
      for (const server of servers) await server.close()
      await receiver.close()
    }
  },
}
