// The span processor that encodes spans to OTLP JSON when they end (src/observability/span-export.ts,
// src/observability/otlp-json.ts; issue 21's cost, docs/performance.md): what it exports is what
// the OpenTelemetry SDK's own JSON serializer makes of the same spans (parsed and compared whole),
// it exports sampled spans only, in batches of at most OTEL_BSP_MAX_EXPORT_BATCH_SIZE, drops what
// exceeds OTEL_BSP_MAX_QUEUE_SIZE, and flushes on demand and at shutdown. Real SDK spans from a real
// tracer provider; the export delegate is the test's, which keeps the batches.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
} from '@opentelemetry/api'
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node'
import {
  batchSettingsFrom,
  DEFAULT_BATCH_SETTINGS,
  ENCODED_BATCH_SERIALIZER,
  EncodingBatchSpanProcessor,
  type BatchDelegate,
  type BatchSettings,
  type EncodedBatch,
} from '../../src/observability/span-export.js'
import { encodeTime } from '../../src/observability/otlp-json.js'

/** Keeps every ended span, as the SDK hands it to a processor. */
class Recorder implements SpanProcessor {
  readonly spans: ReadableSpan[] = []
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.spans.push(span)
  }
  forceFlush(): Promise<void> {
    return Promise.resolve()
  }
  shutdown(): Promise<void> {
    return Promise.resolve()
  }
}

/** A delegate that keeps each exported batch and answers success. */
function keepingDelegate(): BatchDelegate & { batches: EncodedBatch[]; shutdowns: () => number } {
  const batches: EncodedBatch[] = []
  let shutdowns = 0
  return {
    batches,
    shutdowns: () => shutdowns,
    export: (batch, done) => {
      batches.push(batch)
      done(SUCCESS)
    },
    shutdown: () => {
      shutdowns++
      return Promise.resolve()
    },
  }
}

/**
 * What the export delegate reports for a batch the collector took: `ExportResultCode.SUCCESS`, 0,
 * of @opentelemetry/core, which is not a dependency of openhooks' own.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
const SUCCESS = { code: 0 } as Parameters<Parameters<BatchDelegate['export']>[1]>[0]

function bodyOf(batch: EncodedBatch): unknown {
  return JSON.parse(Buffer.from(ENCODED_BATCH_SERIALIZER.serializeRequest(batch)).toString('utf8'))
}

const RESOURCE = resourceFromAttributes({
  'service.name': 'openhooks-test',
  'service.version': '1.2.3',
  'process.pid': 4242,
})
const outside = (fn: () => void): void => {
  context.with(ROOT_CONTEXT, fn)
}

/** Spans of every shape the encoder handles, ended through both processors. */
function makeSpans(processors: SpanProcessor[]): void {
  const provider = new BasicTracerProvider({ resource: RESOURCE, spanProcessors: processors })
  const tracer = provider.getTracer('openhooks', '9.9.9')
  const other = provider.getTracer('other-scope')
  const remote = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  })
  const root = tracer.startSpan('POST /oauth/token', { kind: SpanKind.SERVER }, remote)
  root.setAttributes({
    'http.request.method': 'POST',
    'url.path': '/oauth/token?x="quoted"\n\u00e9\u{1F600}',
    'http.response.status_code': 200,
    'openhooks.hook.duration_ms': 1.25,
    'flag.true': true,
    'flag.false': false,
    'list.strings': ['a', 'b"c'],
    'list.numbers': [1, 2.5],
  })
  const child = tracer.startSpan(
    'hook.call',
    {
      attributes: { 'openhooks.hook.id': '01H' },
      links: [
        {
          context: {
            traceId: '0af7651916cd43dd8448eb211c80319c',
            spanId: 'b7ad6b7169203331',
            traceFlags: TraceFlags.SAMPLED,
          },
          attributes: { 'link.kind': 'follows' },
        },
      ],
    },
    trace.setSpan(remote, root),
  )
  child.addEvent('retry', { attempt: 2 })
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'TypeError' })
  child.end()
  const db = tracer.startSpan(
    'SELECT clients',
    { kind: SpanKind.CLIENT, attributes: { 'db.system': 'sqlite' } },
    trace.setSpan(ROOT_CONTEXT, root),
  )
  db.setStatus({ code: SpanStatusCode.OK })
  db.end()
  other.startSpan('elsewhere').end()
  root.end()
}

test('the exported body is what the SDK JSON serializer makes of the same spans', async () => {
  const recorder = new Recorder()
  const delegate = keepingDelegate()
  const processor = new EncodingBatchSpanProcessor(delegate, DEFAULT_BATCH_SETTINGS, outside)
  makeSpans([recorder, processor])
  await processor.forceFlush()
  assert.equal(delegate.batches.length, 1)
  const [batch] = delegate.batches
  assert.ok(batch !== undefined)
  assert.equal(batch.count, 4)
  const sdk: unknown = JSON.parse(
    Buffer.from(JsonTraceSerializer.serializeRequest(recorder.spans) ?? new Uint8Array()).toString(
      'utf8',
    ),
  )
  assert.deepEqual(bodyOf(batch), sdk)
})

test('times are nanoseconds as decimal strings, as the SDK encodes them', () => {
  assert.equal(encodeTime([1_765_000_000, 5]), '1765000000000000005')
  assert.equal(encodeTime([1_765_000_000, 999_999_999]), '1765000000999999999')
  assert.equal(encodeTime([0, 42]), '42')
  assert.equal(encodeTime([2, 1_500_000_000]), '3500000000')
})

test('only sampled spans are exported', async () => {
  const delegate = keepingDelegate()
  const processor = new EncodingBatchSpanProcessor(delegate, DEFAULT_BATCH_SETTINGS, outside)
  const provider = new BasicTracerProvider({
    resource: RESOURCE,
    spanProcessors: [processor],
    sampler: new AlwaysOffSampler(),
  })
  provider.getTracer('openhooks').startSpan('dropped').end()
  // Recorded but not sampled: a span the SDK hands to processors with flags 00.
  const unsampled = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '5ac0ffee5ac0ffee5ac0ffee5ac0ffee',
    spanId: '00f067aa0ba902b7',
    traceFlags: TraceFlags.NONE,
  })
  provider.getTracer('openhooks').startSpan('also dropped', {}, unsampled).end()
  await processor.forceFlush()
  assert.deepEqual(delegate.batches, [])
})

test('batches hold at most the batch size; spans beyond the queue size are dropped', async () => {
  const settings: BatchSettings = {
    scheduledDelayMs: 60_000,
    exportTimeoutMs: 1_000,
    maxQueueSize: 5,
    maxExportBatchSize: 2,
  }
  const held: { batch: EncodedBatch; done: () => void }[] = []
  let shutdowns = 0
  const processor = new EncodingBatchSpanProcessor(
    {
      // Holds each export until the test releases it, as a slow collector would.
      export: (batch, done) => held.push({ batch, done: () => done(SUCCESS) }),
      shutdown: () => {
        shutdowns++
        return Promise.resolve()
      },
    },
    settings,
    outside,
  )
  const provider = new BasicTracerProvider({ resource: RESOURCE, spanProcessors: [processor] })
  const tracer = provider.getTracer('openhooks')
  for (let i = 0; i < 7; i++) tracer.startSpan(`span ${String(i)}`).end()
  assert.equal(processor.dropped, 2)
  const flushed = processor.forceFlush()
  // Batches are exported one after the other: release each as it comes.
  const names: string[][] = []
  while (names.length < 3) {
    await new Promise((resolve) => setImmediate(resolve))
    const next = held.shift()
    if (next === undefined) continue
    const body = bodyOf(next.batch) as {
      resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[]
    }
    names.push(
      body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((x) => x.name))),
    )
    next.done()
  }
  await flushed
  assert.deepEqual(names, [['span 0', 'span 1'], ['span 2', 'span 3'], ['span 4']])
  // The queue is free again once exported.
  tracer.startSpan('after').end()
  assert.equal(processor.dropped, 2)
  const shutdown = processor.shutdown()
  for (;;) {
    await new Promise((resolve) => setImmediate(resolve))
    const next = held.shift()
    if (next === undefined) continue
    next.done()
    break
  }
  await shutdown
  assert.equal(shutdowns, 1)
  tracer.startSpan('after shutdown').end()
  assert.equal(held.length, 0)
})

test('the batch settings come from OTEL_BSP_*, the SDK defaults otherwise', () => {
  assert.deepEqual(batchSettingsFrom({}), DEFAULT_BATCH_SETTINGS)
  assert.deepEqual(
    batchSettingsFrom({
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_BSP_EXPORT_TIMEOUT: '2000',
      OTEL_BSP_MAX_QUEUE_SIZE: '64',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '128',
    }),
    { scheduledDelayMs: 100, exportTimeoutMs: 2_000, maxQueueSize: 64, maxExportBatchSize: 64 },
  )
  assert.deepEqual(batchSettingsFrom({ OTEL_BSP_SCHEDULE_DELAY: 'soon' }), DEFAULT_BATCH_SETTINGS)
})
