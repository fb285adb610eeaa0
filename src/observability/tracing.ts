import type * as OpenTelemetryApi from '@opentelemetry/api'
import type { Context, Span, TextMapGetter, Tracer } from '@opentelemetry/api'
import type { HookRunner } from '../sandbox/runner.js'
import { HOOK_OUTCOME_LABELS } from './metrics.js'

/**
 * OpenTelemetry traces (docs/observability.md, ADR 0010). Off unless the standard variables ask
 * for an OTLP exporter: then `startTracing` loads the OpenTelemetry SDK with a dynamic import and
 * exports spans over OTLP/HTTP (JSON). Off, nothing of OpenTelemetry is loaded and `withSpan` only
 * calls its function. The other folders call `withSpan`; they never see the OpenTelemetry API.
 */

/** Attribute values a span takes from openhooks: bounded strings and numbers, never secrets. */
export type SpanAttributes = Readonly<Record<string, string | number | boolean>>

/** What a function run inside a span may do with it. */
export interface SpanHandle {
  /** Whether the span is recorded: false with tracing off and under an unsampled request. */
  readonly recording: boolean
  setAttributes(attributes: SpanAttributes): void
  /** The W3C `traceparent` header value naming this span, or undefined when tracing is off. */
  traceparent(): string | undefined
}

const NOOP_SPAN: SpanHandle = {
  recording: false,
  setAttributes: () => undefined,
  traceparent: () => undefined,
}

/** The exporter's `otel.component.type` (the SDK's OTLP/HTTP span exporter's). */
const OTLP_HTTP_SPAN_EXPORTER = 'otlp_http_span_exporter'
/** The headers every export has, as the SDK's OTLP/HTTP JSON exporter sends them. */
const OTLP_JSON_HEADERS = { 'Content-Type': 'application/json' }

/** How long, in ms, a shutdown waits for the last spans to be exported. */
export const TRACE_SHUTDOWN_TIMEOUT_MS = 5_000

type Api = typeof OpenTelemetryApi

interface Tracing {
  readonly api: Api
  readonly tracer: Tracer
  readonly shutdown: () => Promise<void>
}

type Environment = Readonly<Record<string, string | undefined>>

/** Set by `startTracing`; one per process, like the SDK's own global provider. */
let active: Tracing | undefined

/**
 * Whether the environment asks for traces: `OTEL_TRACES_EXPORTER=otlp`, or an OTLP endpoint
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) without
 * `OTEL_TRACES_EXPORTER=none`; never with `OTEL_SDK_DISABLED=true`.
 */
export function tracingRequested(env: Environment): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '')
  if (exporters.includes('otlp')) return true
  if (exporters.length > 0) return false
  return (
    (env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '') !== '' ||
    (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? '') !== ''
  )
}

/**
 * Starts exporting spans when the environment asks for it (`tracingRequested`), and answers how
 * to stop: the stop exports what is still buffered, within TRACE_SHUTDOWN_TIMEOUT_MS. The
 * exporter reads the standard OTLP variables itself, from the process's environment (endpoint,
 * headers, timeout), the batch processor `OTEL_BSP_*`, the sampler `OTEL_TRACES_SAMPLER`.
 */
export async function startTracing(
  env: Environment,
  service: { readonly name: string; readonly version: string },
): Promise<{ readonly enabled: boolean; readonly stop: () => Promise<void> }> {
  if (active !== undefined) throw new Error('tracing is already started in this process')
  if (!tracingRequested(env)) return { enabled: false, stop: async () => undefined }
  const [api, sdk, otlp, resources, spanExport] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/otlp-exporter-base/node-http'),
    import('@opentelemetry/resources'),
    import('./span-export.js'),
  ])
  // The SDK's OTLP/HTTP transport and configuration, as its OTLPTraceExporter builds them (the
  // OTEL_EXPORTER_OTLP_* variables), with spans encoded when they end (src/observability/span-export.ts).
  const delegate = otlp.createOtlpHttpExportDelegate(
    // The one entry point of the pinned otlp-exporter-base that reads the OTEL_EXPORTER_OTLP_*
    // variables for Node's HTTP transport; the SDK's own OTLPTraceExporter of the same release
    // calls it the same way.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    otlp.convertLegacyHttpOptions({}, 'TRACES', 'v1/traces', OTLP_JSON_HEADERS),
    spanExport.ENCODED_BATCH_SERIALIZER,
    OTLP_HTTP_SPAN_EXPORTER,
    { name: 'span', countItems: (batch) => batch.count },
    undefined,
  )
  const processor = new spanExport.EncodingBatchSpanProcessor(
    delegate,
    spanExport.batchSettingsFrom(env),
    (fn) => {
      api.context.with(api.ROOT_CONTEXT, fn)
    },
  )
  const provider = new sdk.NodeTracerProvider({
    resource: resources.resourceFromAttributes({
      'service.name': service.name,
      'service.version': service.version,
    }),
    spanProcessors: [processor],
  })
  // The AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register()
  const tracing: Tracing = {
    api,
    tracer: api.trace.getTracer(service.name, service.version),
    shutdown: () => provider.shutdown(),
  }
  active = tracing
  return {
    enabled: true,
    stop: async () => {
      if (active !== tracing) return
      active = undefined
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        tracing.shutdown().catch(() => undefined),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, TRACE_SHUTDOWN_TIMEOUT_MS))),
      ])
      clearTimeout(timer)
    },
  }
}

/** Whether spans are being recorded in this process. */
export function tracingEnabled(): boolean {
  return active !== undefined
}

/** The W3C `traceparent` header value of a span context. */
function traceparentOf(span: Span): string {
  const { traceId, spanId, traceFlags } = span.spanContext()
  return `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`
}

/**
 * The handle of a recorded span. Handles and request spans are classes rather than objects of
 * closures: one allocation per span, methods shared (issue 21's cost, docs/performance.md).
 */
class RecordedHandle implements SpanHandle {
  readonly recording = true
  readonly #span: Span

  constructor(span: Span) {
    this.#span = span
  }

  setAttributes(attributes: SpanAttributes): void {
    this.#span.setAttributes(attributes)
  }

  traceparent(): string {
    return traceparentOf(this.#span)
  }
}

/** The handle under an unsampled span: its `traceparent` only. */
class UnrecordedHandle implements SpanHandle {
  readonly recording = false
  readonly #parent: Span

  constructor(parent: Span) {
    this.#parent = parent
  }

  setAttributes(): void {
    // Not recorded: nothing to keep.
  }

  traceparent(): string {
    return traceparentOf(this.#parent)
  }
}

/**
 * What a function gets outside a recorded trace: attributes go nowhere, and the `traceparent` is
 * the current span's (an unsampled request's, flags `00`), so that a downstream service still
 * joins the caller's trace id and keeps its sampling decision (W3C trace context).
 */
function unrecordedHandle(parent: Span | undefined): SpanHandle {
  return parent === undefined ? NOOP_SPAN : new UnrecordedHandle(parent)
}

/**
 * Runs `fn` inside a span named `name`, a child of the current span; the span ends when `fn`
 * settles, with an error status when it throws. Only inside a recorded trace: with tracing off,
 * outside any span or under a span the sampler dropped, it only runs `fn` (no span, no context
 * switch, the attributes are not read), so an unsampled request costs one check per step.
 */
export function withSpan<T>(
  name: string,
  attributes: SpanAttributes,
  fn: (span: SpanHandle) => Promise<T>,
): Promise<T> {
  const tracing = active
  if (tracing === undefined) return settle(fn, NOOP_SPAN)
  const { api } = tracing
  const parent = api.context.active()
  const parentSpan = api.trace.getSpan(parent)
  if (parentSpan?.isRecording() !== true) return settle(fn, unrecordedHandle(parentSpan))
  const span = tracing.tracer.startSpan(name, { attributes }, parent)
  return api.context.with(api.trace.setSpan(parent, span), async () => {
    try {
      return await fn(new RecordedHandle(span))
    } catch (error) {
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: errorName(error) })
      throw error
    } finally {
      span.end()
    }
  })
}

/** Calls `fn`, a throw becoming a rejection (as in an async function), without a promise more. */
function settle<T>(fn: (span: SpanHandle) => Promise<T>, span: SpanHandle): Promise<T> {
  try {
    return fn(span)
  } catch (error) {
    // What `fn` threw, unchanged, as an async function would reject with it.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    return Promise.reject(error)
  }
}

/**
 * Adds attributes to the current span (the request's, or the flow step's), when it is recorded:
 * what a step says about the flow without a span of its own (the client, the grant).
 */
export function setSpanAttributes(attributes: SpanAttributes): void {
  const tracing = active
  if (tracing === undefined) return
  const span = tracing.api.trace.getSpan(tracing.api.context.active())
  if (span?.isRecording() === true) span.setAttributes(attributes)
}

/** The name and attributes of a client span, built only when the span is recorded. */
export interface ClientSpanDescription {
  readonly name: string
  readonly attributes: SpanAttributes
}

/**
 * Runs `fn` inside a client span (a call to another system, such as the database), the child of
 * the current span. Only inside a recorded trace: with tracing off, outside any span (work at
 * start, background work) or under a span the sampler dropped, only runs `fn`, and `describe` is
 * not called. The span does not become the current one: nothing runs below it.
 */
export async function withClientSpan<T>(
  describe: () => ClientSpanDescription,
  fn: () => Promise<T>,
): Promise<T> {
  const tracing = active
  if (tracing === undefined) return fn()
  const { api } = tracing
  const context = api.context.active()
  if (api.trace.getSpan(context)?.isRecording() !== true) return fn()
  const { name, attributes } = describe()
  const span = tracing.tracer.startSpan(name, { kind: api.SpanKind.CLIENT, attributes }, context)
  try {
    return await fn()
  } catch (error) {
    span.setStatus({ code: api.SpanStatusCode.ERROR, message: errorName(error) })
    throw error
  } finally {
    span.end()
  }
}

/** The class name of a thrown value: an error's message may hold user input. */
function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error
}

/** A request as the HTTP span needs it (Fastify's, without depending on Fastify). */
export interface TracedRequest {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
}

const HEADER_GETTER: TextMapGetter<TracedRequest['headers']> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
}

/** The span of one HTTP request and the context its handlers run in. */
export interface HttpSpan {
  /** Runs `fn` (a Fastify hook's `done`) in the request's context. */
  enter(fn: () => void): void
  /** Names the span after the route template and records the status, then ends it. */
  end(route: string | undefined, statusCode: number): void
}

/**
 * Starts the server span of an HTTP request, a child of the caller's span when the request
 * carries a W3C `traceparent`; undefined when tracing is off.
 */
export function startHttpSpan(request: TracedRequest): HttpSpan | undefined {
  const tracing = active
  if (tracing === undefined) return undefined
  const { api } = tracing
  const parent = api.propagation.extract(api.ROOT_CONTEXT, request.headers, HEADER_GETTER)
  // The sampler decides on the trace alone (the standard samplers read no attributes), so that
  // nothing is built for a request it drops.
  const span = tracing.tracer.startSpan(request.method, { kind: api.SpanKind.SERVER }, parent)
  if (span.isRecording()) {
    span.setAttributes({
      'http.request.method': request.method,
      'url.path': request.url.split('?', 1)[0] ?? request.url,
    })
  }
  return new RequestSpan(api, request.method, span, api.trace.setSpan(parent, span))
}

/** The span of one HTTP request (`startHttpSpan`). */
class RequestSpan implements HttpSpan {
  readonly #api: Api
  readonly #method: string
  readonly #span: Span
  readonly #context: Context

  constructor(api: Api, method: string, span: Span, context: Context) {
    this.#api = api
    this.#method = method
    this.#span = span
    this.#context = context
  }

  enter(fn: () => void): void {
    this.#api.context.with(this.#context, fn)
  }

  end(route: string | undefined, statusCode: number): void {
    const span = this.#span
    if (!span.isRecording()) {
      span.end()
      return
    }
    if (route !== undefined) {
      span.updateName(`${this.#method} ${route}`)
      span.setAttribute('http.route', route)
    }
    span.setAttribute('http.response.status_code', statusCode)
    if (statusCode >= 500) span.setStatus({ code: this.#api.SpanStatusCode.ERROR })
    span.end()
  }
}

/**
 * Wraps the flows' runner so that each hook call is a span (`hook.call`) with its trigger, hook
 * id, version key, outcome and duration, and hands the span's `traceparent` to the sandbox, which
 * adds it to the hook's outbound requests (docs/egress.md). Used only when tracing is on.
 */
export function traceRunner(runner: HookRunner): HookRunner {
  return {
    run: (request) =>
      withSpan(
        'hook.call',
        {
          'openhooks.hook.trigger': request.lane ?? '',
          'openhooks.hook.id': request.hookId,
          'openhooks.hook.version_key': request.versionKey,
        },
        async (span) => {
          const traceparent = span.traceparent()
          if (!span.recording) {
            // An unsampled request: only the trace context travels on (W3C trace context).
            return runner.run(traceparent !== undefined ? { ...request, traceparent } : request)
          }
          const outcome = await runner.run({
            ...request,
            ...(traceparent !== undefined ? { traceparent } : undefined),
            onWorker: (slot) => {
              span.setAttributes({ 'openhooks.hook.worker': slot })
            },
          })
          span.setAttributes({
            'openhooks.hook.outcome': HOOK_OUTCOME_LABELS[outcome.kind],
            'openhooks.hook.duration_ms': outcome.durationMs,
            'openhooks.hook.cpu_ms': outcome.cpuMs,
          })
          return outcome
        },
      ),
    retire: (hookId) => {
      runner.retire(hookId)
    },
    close: () => runner.close(),
    stats: () => runner.stats(),
  }
}
