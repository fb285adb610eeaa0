/**
 * Validation of the protocol's messages, on receipt by either side. Each parser returns the typed
 * message, or undefined when anything is off.
 */
import type { InjectedErrorClass, LogEntry, LogLevel, RunLimits, WorkerStats } from '../runner.js'
import type {
  LateLogsMessage,
  NeedCodeMessage,
  NoteMessage,
  ParentMessage,
  ReadyMessage,
  ResultMessage,
  RetireMessage,
  RunMessage,
  StatsMessage,
  StatsRequestMessage,
  WorkerMessage,
  WorkerOutcome,
} from './messages.js'
import { TRACEPARENT } from './messages.js'

type Obj = Record<string, unknown>

export function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

function isFiniteNonNegative(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
}

const LOG_LEVELS: ReadonlySet<string> = new Set<LogLevel>(['log', 'info', 'warn', 'error', 'debug'])

function parseLogs(value: unknown): LogEntry[] | undefined {
  if (!Array.isArray(value)) return undefined
  for (const entry of value as unknown[]) {
    if (
      !isObject(entry) ||
      typeof entry.level !== 'string' ||
      !LOG_LEVELS.has(entry.level) ||
      typeof entry.message !== 'string' ||
      typeof entry.timestamp !== 'string'
    ) {
      return undefined
    }
  }
  return value as LogEntry[]
}

function parseLimits(value: unknown): RunLimits | undefined {
  if (!isObject(value)) return undefined
  const keys: (keyof RunLimits)[] = [
    'timeoutMs',
    'entryTimeoutMs',
    'memoryMb',
    'maxLogBytes',
    'maxResultBytes',
    'maxTimers',
  ]
  for (const key of keys) {
    if (!isCount(value[key])) return undefined
  }
  return value as unknown as RunLimits
}

function parseClasses(value: unknown): InjectedErrorClass[] | undefined {
  if (!Array.isArray(value)) return undefined
  for (const item of value as unknown[]) {
    if (
      !isObject(item) ||
      typeof item.name !== 'string' ||
      typeof item.extends !== 'string' ||
      typeof item.friendlyMessage !== 'boolean'
    ) {
      return undefined
    }
  }
  return value as InjectedErrorClass[]
}

function parseModules(value: unknown): boolean {
  return (
    value === undefined ||
    (isObject(value) &&
      Object.values(value).every(
        (m) => isObject(m) && typeof m.version === 'string' && typeof m.source === 'string',
      ))
  )
}

function parseCode(value: unknown): boolean {
  return (
    isObject(value) &&
    typeof value.script === 'string' &&
    parseClasses(value.classes) !== undefined &&
    parseModules(value.modules)
  )
}

export function parseParentMessage(value: unknown): ParentMessage | undefined {
  if (!isObject(value)) return undefined
  switch (value.t) {
    case 'run':
      if (
        isCount(value.id) &&
        typeof value.hookId === 'string' &&
        typeof value.versionKey === 'string' &&
        typeof value.args === 'string' &&
        isFiniteNonNegative(value.deadlineAt) &&
        (value.traceparent === undefined ||
          (typeof value.traceparent === 'string' && TRACEPARENT.test(value.traceparent))) &&
        (value.code === undefined || parseCode(value.code)) &&
        parseLimits(value.limits) !== undefined
      ) {
        return value as unknown as RunMessage
      }
      return undefined
    case 'retire':
      return typeof value.hookId === 'string' ? (value as unknown as RetireMessage) : undefined
    case 'stats':
      return isCount(value.id) ? (value as unknown as StatsRequestMessage) : undefined
    default:
      return undefined
  }
}

function parseOutcome(value: unknown): WorkerOutcome | undefined {
  if (!isObject(value) || parseLogs(value.logs) === undefined) return undefined
  if (!isFiniteNonNegative(value.cpuMs)) return undefined
  const outcome = value as unknown as WorkerOutcome
  switch (value.kind) {
    case 'ok':
      return value.valueJson === undefined || typeof value.valueJson === 'string'
        ? outcome
        : undefined
    case 'hook-error':
      return typeof value.errorJson === 'string' ? outcome : undefined
    case 'compile-error':
      return typeof value.description === 'string' ? outcome : undefined
    case 'timeout':
      return (value.limit === 'timeoutMs' || value.limit === 'entryTimeoutMs') &&
        isCount(value.limitMs)
        ? outcome
        : undefined
    case 'memory':
      return isCount(value.limitMb) ? outcome : undefined
    case 'limit':
      return (value.limit === 'maxTimers' || value.limit === 'maxResultBytes') &&
        isCount(value.value)
        ? outcome
        : undefined
    case 'crash':
      return typeof value.reason === 'string' ? outcome : undefined
    default:
      return undefined
  }
}

function parseStats(value: unknown): WorkerStats | undefined {
  if (
    isObject(value) &&
    isCount(value.pid) &&
    isCount(value.warmIsolates) &&
    isCount(value.isolateHeapBytes) &&
    isCount(value.rssBytes) &&
    isCount(value.inFlightCalls) &&
    isCount(value.idlePollFrames) &&
    isCount(value.idlePollPauses) &&
    isCount(value.idlePollBackoffs) &&
    isCount(value.isolatesCreated) &&
    isObject(value.egress) &&
    isCount(value.egress.sent) &&
    isCount(value.egress.refused) &&
    isCount(value.egress.timedOut) &&
    isCount(value.egress.tooLarge) &&
    isCount(value.egress.failed)
  ) {
    return value as unknown as WorkerStats
  }
  return undefined
}

export function parseWorkerMessage(value: unknown): WorkerMessage | undefined {
  if (!isObject(value)) return undefined
  switch (value.t) {
    case 'ready':
      return isCount(value.pid) ? (value as unknown as ReadyMessage) : undefined
    case 'result':
      return isCount(value.id) && parseOutcome(value.outcome) !== undefined
        ? (value as unknown as ResultMessage)
        : undefined
    case 'need-code':
      return isCount(value.id) ? (value as unknown as NeedCodeMessage) : undefined
    case 'late-logs':
      return isCount(value.id) &&
        typeof value.hookId === 'string' &&
        parseLogs(value.logs) !== undefined
        ? (value as unknown as LateLogsMessage)
        : undefined
    case 'stats':
      return isCount(value.id) && parseStats(value.stats) !== undefined
        ? (value as unknown as StatsMessage)
        : undefined
    case 'note':
      return (value.level === 'info' || value.level === 'warn' || value.level === 'error') &&
        typeof value.event === 'string' &&
        (value.hookId === undefined || typeof value.hookId === 'string') &&
        (value.detail === undefined || typeof value.detail === 'string')
        ? (value as unknown as NoteMessage)
        : undefined
    default:
      return undefined
  }
}
