import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-node'
import type { IOtlpExportDelegate } from '@opentelemetry/otlp-exporter-base'
import {
  encodeRequest,
  encodeResource,
  encodeScope,
  encodeSpan,
  type EncodedScopeSpans,
} from './otlp-json.js'

/**
 * The span processor of openhooks' traces (docs/observability.md, docs/performance.md): a batch
 * processor, like the SDK's `BatchSpanProcessor` and with its `OTEL_BSP_*` settings, that encodes
 * each sampled span to its OTLP JSON text when the span ends (src/observability/otlp-json.ts) and
 * keeps only that text until the batch is exported. The export goes through the SDK's own
 * OTLP/HTTP transport (`@opentelemetry/otlp-exporter-base`), so the standard
 * `OTEL_EXPORTER_OTLP_*` variables (endpoint, headers, timeout, compression) apply as they do to
 * the SDK's `OTLPTraceExporter`.
 */

/** The batch settings, with the SDK's defaults (`OTEL_BSP_*`). */
export interface BatchSettings {
  /** Delay between two exports, in ms (`OTEL_BSP_SCHEDULE_DELAY`). */
  readonly scheduledDelayMs: number
  /** How long one export may take, in ms (`OTEL_BSP_EXPORT_TIMEOUT`). */
  readonly exportTimeoutMs: number
  /** Spans kept at most while waiting for an export; more are dropped (`OTEL_BSP_MAX_QUEUE_SIZE`). */
  readonly maxQueueSize: number
  /** Spans per export at most (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE`). */
  readonly maxExportBatchSize: number
}

/** The SDK's defaults of the batch processor's settings. */
export const DEFAULT_BATCH_SETTINGS: BatchSettings = {
  scheduledDelayMs: 5_000,
  exportTimeoutMs: 30_000,
  maxQueueSize: 2_048,
  maxExportBatchSize: 512,
}

type Environment = Readonly<Record<string, string | undefined>>

/** A positive integer setting of the environment, else the default. */
function positive(env: Environment, name: string, fallback: number): number {
  const raw = env[name]?.trim()
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback
}

/** The batch settings from `OTEL_BSP_*`, as the SDK's batch processor reads them. */
export function batchSettingsFrom(env: Environment): BatchSettings {
  const maxQueueSize = positive(env, 'OTEL_BSP_MAX_QUEUE_SIZE', DEFAULT_BATCH_SETTINGS.maxQueueSize)
  return {
    scheduledDelayMs: positive(
      env,
      'OTEL_BSP_SCHEDULE_DELAY',
      DEFAULT_BATCH_SETTINGS.scheduledDelayMs,
    ),
    exportTimeoutMs: positive(
      env,
      'OTEL_BSP_EXPORT_TIMEOUT',
      DEFAULT_BATCH_SETTINGS.exportTimeoutMs,
    ),
    maxQueueSize,
    // As the SDK does: a batch is never larger than the queue.
    maxExportBatchSize: Math.min(
      maxQueueSize,
      positive(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', DEFAULT_BATCH_SETTINGS.maxExportBatchSize),
    ),
  }
}

/** One export's worth of encoded spans. */
export interface EncodedBatch {
  readonly groups: readonly EncodedScopeSpans[]
  readonly count: number
}

/** Where batches go: the SDK's OTLP export delegate, or a test's. */
export type BatchDelegate = Pick<IOtlpExportDelegate<EncodedBatch>, 'export' | 'shutdown'>

/** The serializer the SDK's export delegate calls: joins a batch's texts into the body. */
export const ENCODED_BATCH_SERIALIZER = {
  serializeRequest: (batch: EncodedBatch): Uint8Array => Buffer.from(encodeRequest(batch.groups)),
  deserializeResponse: (data: Uint8Array): unknown => {
    if (data.length === 0) return {}
    try {
      return JSON.parse(Buffer.from(data).toString('utf8')) as unknown
    } catch {
      // A collector's answer that is not JSON says nothing about partial success.
      return {}
    }
  },
}

/** The spans of one resource and scope waiting for their export. */
interface OpenGroup {
  readonly resource: string
  readonly scope: string
  readonly schemaUrl: string | undefined
  spans: string[]
}

/** `TraceFlags.SAMPLED` of the W3C trace context. */
const SAMPLED = 1

export class EncodingBatchSpanProcessor implements SpanProcessor {
  readonly #delegate: BatchDelegate
  readonly #settings: BatchSettings
  /** Runs a function outside every request's context (so that no timer keeps a request's). */
  readonly #outside: (fn: () => void) => void
  /** Open groups by instrumentation scope (a tracer's scope is one object) and resource. */
  #open = new Map<ReadableSpan['instrumentationScope'], Map<ReadableSpan['resource'], OpenGroup>>()
  #openCount = 0
  /** Full batches waiting for their export, oldest first. */
  readonly #ready: EncodedBatch[] = []
  #queued = 0
  #timer: NodeJS.Timeout | undefined
  #exporting: Promise<void> | undefined
  #shutdown = false
  /** Spans dropped because the queue was full, since the start. */
  dropped = 0

  constructor(delegate: BatchDelegate, settings: BatchSettings, outside: (fn: () => void) => void) {
    this.#delegate = delegate
    this.#settings = settings
    this.#outside = outside
  }

  onStart(): void {
    // Nothing until the span ends.
  }

  onEnd(span: ReadableSpan): void {
    if (this.#shutdown || (span.spanContext().traceFlags & SAMPLED) === 0) return
    if (this.#queued >= this.#settings.maxQueueSize) {
      this.dropped++
      return
    }
    let byResource = this.#open.get(span.instrumentationScope)
    if (byResource === undefined) {
      byResource = new Map()
      this.#open.set(span.instrumentationScope, byResource)
    }
    let group = byResource.get(span.resource)
    if (group === undefined) {
      group = {
        resource: encodeResource(span.resource),
        scope: encodeScope(span.instrumentationScope),
        schemaUrl: span.instrumentationScope.schemaUrl,
        spans: [],
      }
      byResource.set(span.resource, group)
    }
    group.spans.push(encodeSpan(span))
    this.#queued++
    if (++this.#openCount >= this.#settings.maxExportBatchSize) {
      this.#close()
      this.#schedule(0)
    } else this.#schedule(this.#settings.scheduledDelayMs)
  }

  /** Moves the open groups into a ready batch. */
  #close(): void {
    if (this.#openCount === 0) return
    const groups: EncodedScopeSpans[] = []
    for (const byResource of this.#open.values()) {
      for (const group of byResource.values()) {
        if (group.spans.length === 0) continue
        groups.push({ ...group, spans: group.spans })
        group.spans = []
      }
    }
    this.#ready.push({ groups, count: this.#openCount })
    this.#openCount = 0
  }

  /** Starts the export timer, unless one is due sooner. */
  #schedule(delayMs: number): void {
    if (this.#timer !== undefined) {
      if (delayMs > 0) return
      clearTimeout(this.#timer)
    }
    this.#outside(() => {
      this.#timer = setTimeout(() => {
        this.#timer = undefined
        void this.#flush()
      }, delayMs)
      this.#timer.unref()
    })
  }

  /** Exports every span queued so far, one batch after the other. */
  #flush(): Promise<void> {
    this.#close()
    if (this.#exporting !== undefined) {
      return this.#exporting.then(() => (this.#ready.length > 0 ? this.#flush() : undefined))
    }
    const run = async (): Promise<void> => {
      for (let batch = this.#ready.shift(); batch !== undefined; batch = this.#ready.shift()) {
        await this.#export(batch)
        this.#queued -= batch.count
      }
    }
    const exporting = run().finally(() => {
      this.#exporting = undefined
    })
    this.#exporting = exporting
    return exporting
  }

  /** One export, given up after the export timeout (the spans are then lost, as in the SDK). */
  #export(batch: EncodedBatch): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.#settings.exportTimeoutMs)
      timer.unref()
      this.#delegate.export(batch, () => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  forceFlush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer)
      this.#timer = undefined
    }
    return this.#flush()
  }

  async shutdown(): Promise<void> {
    if (this.#shutdown) return
    await this.forceFlush()
    this.#shutdown = true
    await this.#delegate.shutdown()
  }
}
