import type { ReadableSpan } from '@opentelemetry/sdk-trace-node'

/**
 * OTLP/HTTP JSON (the `ExportTraceServiceRequest` of the OpenTelemetry protocol, JSON encoding)
 * written as text, one span at a time: `encodeSpan` turns an ended span into its JSON object, and
 * `encodeRequest` joins such objects into a request body. The fields and their encoding are the
 * OpenTelemetry JS SDK's own JSON serializer's (`JsonTraceSerializer`: ids in hex, times in
 * nanoseconds as decimal strings, integers as `intValue` numbers, `kind` offset by one), so a
 * collector sees the same bytes' meaning; test/observability/otlp-json.test.ts compares the two.
 *
 * Why text at the span's end (issue 21, docs/performance.md): a span encoded when it ends is
 * garbage before the next young-generation collection, where a span kept until its batch is
 * exported survives into the old generation; and writing the JSON text directly costs less than
 * building the SDK's intermediate objects and then stringifying them.
 */

/** What the encoder reads of a span (the SDK's `ReadableSpan`). */
export type EncodableSpan = Pick<
  ReadableSpan,
  | 'name'
  | 'kind'
  | 'spanContext'
  | 'parentSpanContext'
  | 'startTime'
  | 'endTime'
  | 'status'
  | 'attributes'
  | 'links'
  | 'events'
  | 'droppedAttributesCount'
  | 'droppedEventsCount'
  | 'droppedLinksCount'
>

type Resource = ReadableSpan['resource']
type Scope = ReadableSpan['instrumentationScope']
type HrTime = ReadableSpan['startTime']
type AttributeValue = ReadableSpan['attributes'][string]

/** OTLP `SpanFlags`: the context-has-is-remote bit, and the is-remote bit. */
const SPAN_FLAGS_HAS_IS_REMOTE = 0x100
const SPAN_FLAGS_IS_REMOTE = 0x200
const NANOS_PER_SECOND = 1_000_000_000
/** Nanosecond parts of an `HrTime` are below this; longer ones go through a BigInt. */
const NANOS_DIGITS = 9

function flagsOf(traceFlags: number, isRemote: boolean | undefined): number {
  const flags = (traceFlags & 0xff) | SPAN_FLAGS_HAS_IS_REMOTE
  return isRemote === true ? flags | SPAN_FLAGS_IS_REMOTE : flags
}

/** An `HrTime` ([seconds, nanoseconds]) as a decimal string of nanoseconds. */
export function encodeTime(time: HrTime): string {
  const seconds = Math.trunc(time[0])
  const nanos = Math.trunc(time[1])
  if (seconds > 0 && nanos >= 0 && nanos < NANOS_PER_SECOND) {
    return String(seconds) + String(nanos).padStart(NANOS_DIGITS, '0')
  }
  return (BigInt(seconds) * BigInt(NANOS_PER_SECOND) + BigInt(nanos)).toString()
}

/** An OTLP `AnyValue`, as the SDK's JSON serializer builds it. */
type AnyValue =
  | { readonly stringValue: string }
  | { readonly intValue: number }
  | { readonly doubleValue: number }
  | { readonly boolValue: boolean }
  | { readonly bytesValue: string }
  | { readonly arrayValue: { readonly values: readonly AnyValue[] } }
  | { readonly kvlistValue: { readonly values: readonly KeyValue[] } }
  | Readonly<Record<string, never>>
interface KeyValue {
  readonly key: string
  readonly value: AnyValue
}

function anyValue(value: unknown): AnyValue {
  if (typeof value === 'string') return { stringValue: value }
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { intValue: value } : { doubleValue: value }
  }
  if (typeof value === 'boolean') return { boolValue: value }
  if (value instanceof Uint8Array) return { bytesValue: Buffer.from(value).toString('base64') }
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } }
  if (typeof value === 'object' && value !== null) {
    return {
      kvlistValue: {
        values: Object.entries(value).map(([key, item]) => ({ key, value: anyValue(item) })),
      },
    }
  }
  return {}
}

function keyValues(attributes: Readonly<Record<string, AttributeValue>>): KeyValue[] {
  const out: KeyValue[] = []
  for (const key in attributes) out.push({ key, value: anyValue(attributes[key]) })
  return out
}

/** Attributes as an OTLP `KeyValue` list, in JSON. */
export function encodeAttributes(attributes: Readonly<Record<string, AttributeValue>>): string {
  return JSON.stringify(keyValues(attributes))
}

/**
 * One ended span as an OTLP `Span` JSON object. Built as a plain object and stringified at once:
 * V8's JSON serializer writes a flat string, which the export then only joins (a text built by
 * concatenation would be flattened at the export, at a higher cost: measured, docs/performance.md).
 */
export function encodeSpan(span: EncodableSpan): string {
  const context = span.spanContext()
  const parent = span.parentSpanContext
  return JSON.stringify({
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: parent?.spanId ? parent.spanId : undefined,
    traceState: context.traceState?.serialize(),
    name: span.name,
    kind: span.kind + 1,
    startTimeUnixNano: encodeTime(span.startTime),
    endTimeUnixNano: encodeTime(span.endTime),
    attributes: keyValues(span.attributes),
    droppedAttributesCount: span.droppedAttributesCount,
    events: span.events.map((event) => ({
      attributes: keyValues(event.attributes ?? {}),
      name: event.name,
      timeUnixNano: encodeTime(event.time),
      droppedAttributesCount: event.droppedAttributesCount ?? 0,
    })),
    droppedEventsCount: span.droppedEventsCount,
    status: { code: span.status.code, message: span.status.message },
    links: span.links.map((link) => ({
      attributes: keyValues(link.attributes ?? {}),
      spanId: link.context.spanId,
      traceId: link.context.traceId,
      traceState: link.context.traceState?.serialize(),
      droppedAttributesCount: link.droppedAttributesCount ?? 0,
      flags: flagsOf(link.context.traceFlags, link.context.isRemote),
    })),
    droppedLinksCount: span.droppedLinksCount,
    flags: flagsOf(context.traceFlags, parent?.isRemote),
  })
}

/** A string field, left out when undefined (as `JSON.stringify` leaves it out). */
function optional(name: string, value: string | undefined): string {
  return value === undefined ? '' : `,"${name}":${JSON.stringify(value)}`
}

/** A resource as the OTLP `Resource` JSON object. */
export function encodeResource(resource: Resource): string {
  return (
    `{"attributes":${encodeAttributes(resource.attributes)},"droppedAttributesCount":0` +
    `${optional('schemaUrl', resource.schemaUrl || undefined)}}`
  )
}

/** An instrumentation scope as the OTLP `InstrumentationScope` JSON object. */
export function encodeScope(scope: Scope): string {
  return `{"name":${JSON.stringify(scope.name)}${optional('version', scope.version)}}`
}

/** Spans of one resource and scope, each already encoded by `encodeSpan`. */
export interface EncodedScopeSpans {
  /** `encodeResource` of their resource. */
  readonly resource: string
  /** `encodeScope` of their scope. */
  readonly scope: string
  readonly schemaUrl: string | undefined
  readonly spans: readonly string[]
}

/** The body of one OTLP/HTTP JSON export: resource spans grouped by resource, then scope. */
export function encodeRequest(groups: Iterable<EncodedScopeSpans>): string {
  const byResource = new Map<string, string[]>()
  for (const group of groups) {
    if (group.spans.length === 0) continue
    const scopeSpans =
      `{"scope":${group.scope},"spans":[${group.spans.join(',')}]` +
      `${optional('schemaUrl', group.schemaUrl)}}`
    const list = byResource.get(group.resource)
    if (list === undefined) byResource.set(group.resource, [scopeSpans])
    else list.push(scopeSpans)
  }
  const resourceSpans = [...byResource].map(
    ([resource, scopeSpans]) => `{"resource":${resource},"scopeSpans":[${scopeSpans.join(',')}]}`,
  )
  return `{"resourceSpans":[${resourceSpans.join(',')}]}`
}
