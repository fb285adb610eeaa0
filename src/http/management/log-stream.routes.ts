import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { ServerResponse } from 'node:http'
import { Type } from 'typebox'
import { ApiError } from '../../errors/api-error.js'
import type { HookExecution, HookExecutions } from '../../hooks/execution-log.js'
import type { HookService } from '../../hooks/hook-service.js'
import type { SequencedTenantLog, TenantLogStore } from '../../storage/store.js'
import type { TenantLogFeed, TenantLogFeedSubscription } from '../../tenant-log/log-feed.js'
import { toLogResponse } from './directory.schemas.js'
import type { ManagementRouteConfig } from './guard.js'

/** A comment line every so often keeps proxies from closing an idle stream, in milliseconds. */
export const LOG_STREAM_HEARTBEAT_MS = 15_000
/** A stream ends after this long, in milliseconds; `EventSource` reconnects by itself. */
export const MAX_LOG_STREAM_MS = 60 * 60 * 1000
/** Streams open at once in this process. */
export const MAX_LOG_STREAMS = 100
/** Executions, and log events, replayed after `Last-Event-ID` on a reconnect (at most, each). */
export const MAX_LOG_STREAM_REPLAY = 100
/** What the client waits before reconnecting, in milliseconds (the SSE `retry` field). */
const RECONNECT_DELAY_MS = 3_000

export interface LogStreamOptions {
  readonly hooks: HookService
  readonly feed: TenantLogFeed
  readonly store: TenantLogStore
  readonly executions: HookExecutions
}

/** An execution on the wire (snake_case, like the tenant log's events); absent fields omitted. */
export function toExecutionResponse(execution: HookExecution): Record<string, unknown> {
  return {
    execution_id: execution.id,
    date: execution.date,
    hook_id: execution.hookId,
    hook_name: execution.hookName,
    trigger_id: execution.triggerId,
    outcome: execution.outcome,
    ...(execution.failure !== undefined ? { failure: execution.failure } : undefined),
    ...(execution.error !== undefined ? { error: execution.error } : undefined),
    ...(execution.failedOpen === true ? { failed_open: true } : undefined),
    duration_ms: Math.round(execution.durationMs * 1000) / 1000,
    logs: execution.logs.map((l) => ({
      level: l.level,
      message: l.message,
      timestamp: l.timestamp,
    })),
  }
}

/** Digits of a `seq` in an event id, zero-padded so that ids compare as strings. */
const STREAM_ID_DIGITS = 16

/**
 * Where a stream stands, carried in every event's `id:` so that a reconnect's `Last-Event-ID`
 * resumes both kinds of event: `<seq>` of the last tenant log event sent, then `.` and the id of
 * the last execution sent (empty before the first).
 */
interface StreamPosition {
  seq: number | undefined
  executionId: string | undefined
}

function positionId({ seq, executionId }: StreamPosition): string {
  return `${String(seq ?? 0).padStart(STREAM_ID_DIGITS, '0')}.${executionId ?? ''}`
}

/**
 * A reconnect's `Last-Event-ID` as a position. Accepted: this stream's ids, a bare `seq` (the
 * cluster stream's earlier ids), an execution id (the live log's earlier ids) or a log id.
 */
async function positionOf(store: TenantLogStore, id: string): Promise<StreamPosition> {
  const combined = /^(\d{1,16})\.(.*)$/.exec(id)
  if (combined !== null) {
    return { seq: Number(combined[1]), executionId: combined[2] === '' ? undefined : combined[2] }
  }
  if (/^\d{1,16}$/.test(id)) return { seq: Number(id), executionId: undefined }
  const seq = await store.logSeqOf(id)
  return seq !== undefined ? { seq, executionId: undefined } : { seq: undefined, executionId: id }
}

/**
 * `GET /api/v2/hooks/{id}/logs/stream`: the hook's live log, as server-sent events for the
 * dashboard. Two kinds of event:
 * - `event: execution`: every run of the hook by a real request as it ends, with its outcome,
 *   duration and console output (issue 18.5; kept in memory, execution-log.ts; on a cluster, the
 *   runs of the other nodes too, read from the database, shared-execution-log.ts);
 * - `event: log`: the hook's tenant log events as they are stored, written by any node of the
 *   cluster, in `seq` order, none skipped while the stream is open (docs/cluster.md).
 * Every event's `id:` is the stream's position (StreamPosition); a reconnect with `Last-Event-ID`
 * first replays what it missed of both (at most MAX_LOG_STREAM_REPLAY of each).
 */
export const logStreamRoutes: FastifyPluginAsyncTypebox<LogStreamOptions> = async (
  app,
  { hooks, feed, store, executions },
) => {
  const open = new Set<() => void>()
  app.addHook('preClose', async () => {
    for (const close of [...open]) close()
  })

  const config: ManagementRouteConfig = { scope: 'read:logs', errors: [404] }
  app.get(
    '/hooks/:id/logs/stream',
    {
      config,
      schema: {
        summary: "Stream a hook's live log: its executions and log events (server-sent events)",
        tags: ['hooks', 'logs'],
        params: Type.Object({ id: Type.String() }),
      },
    },
    async (request, reply) => {
      const hook = await hooks.get(request.params.id)
      if (open.size >= MAX_LOG_STREAMS) {
        throw new ApiError('ServiceUnavailable', { message: 'Too many log streams are open' })
      }
      const lastEventId = request.headers['last-event-id']
      const resumed =
        typeof lastEventId === 'string' && lastEventId !== ''
          ? await positionOf(store, lastEventId)
          : undefined
      const raw: ServerResponse = reply.raw
      const position: StreamPosition = {
        seq: resumed?.seq,
        executionId: resumed?.executionId,
      }
      const sendLog = ({ seq, log }: SequencedTenantLog) => {
        position.seq = seq
        raw.write(
          `event: log\nid: ${positionId(position)}\ndata: ${JSON.stringify(toLogResponse(log))}\n\n`,
        )
      }
      const sendExecution = (execution: HookExecution) => {
        position.executionId = execution.id
        raw.write(
          `event: execution\nid: ${positionId(position)}\ndata: ${JSON.stringify(toExecutionResponse(execution))}\n\n`,
        )
      }
      const unsubscribers: (() => void)[] = []
      let live = false
      const heartbeat = setInterval(() => {
        if (live) raw.write(': keep-alive\n\n')
      }, LOG_STREAM_HEARTBEAT_MS)
      const limit = setTimeout(() => close(), MAX_LOG_STREAM_MS)
      const close = () => {
        if (!open.delete(close)) return
        for (const unsubscribe of unsubscribers) unsubscribe()
        clearInterval(heartbeat)
        clearTimeout(limit)
        if (live) raw.end()
      }
      open.add(close)
      request.raw.on('close', close)
      // Both kinds are subscribed to before the head is written, so that whatever happens after
      // the client has the head reaches it; what arrives meanwhile waits, in order.
      let heldExecutions: HookExecution[] | undefined = []
      unsubscribers.push(
        executions.subscribe(hook.id, (execution) => {
          if (heldExecutions !== undefined) heldExecutions.push(execution)
          else sendExecution(execution)
        }),
      )
      let held: SequencedTenantLog[] | undefined = []
      let subscription: TenantLogFeedSubscription
      try {
        subscription = await feed.subscribe((event) => {
          if (event.log.hookId !== hook.id) return
          if (held !== undefined) held.push(event)
          else sendLog(event)
        })
      } catch (error) {
        close()
        request.log.error({ err: error, event: 'log_stream.failed' }, 'the log stream failed')
        throw new ApiError('ServiceUnavailable', { message: 'The log stream could not start' })
      }
      unsubscribers.push(subscription.unsubscribe)
      reply.hijack()
      if (!open.has(close)) {
        subscription.unsubscribe() // the client left meanwhile
        return
      }
      live = true
      raw.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      })
      raw.write(`retry: ${RECONNECT_DELAY_MS}\n: stream of hook ${hook.id}\n\n`)
      if (resumed?.executionId !== undefined) {
        try {
          const missed = await executions.since(hook.id, resumed.executionId)
          const heldIds = new Set(heldExecutions.map((e) => e.id))
          for (const execution of missed.slice(-MAX_LOG_STREAM_REPLAY)) {
            if (!heldIds.has(execution.id)) sendExecution(execution)
          }
        } catch (error) {
          request.log.warn({ err: error, event: 'log_stream.replay_failed' }, 'no replay')
        }
      }
      for (const execution of heldExecutions) sendExecution(execution)
      heldExecutions = undefined
      if (!open.has(close)) return // the client left meanwhile
      try {
        if (resumed?.seq !== undefined) {
          const missed = await store.listLogsBySeq({
            afterSeq: resumed.seq,
            upToSeq: subscription.cursor,
            hookId: hook.id,
            take: MAX_LOG_STREAM_REPLAY,
          })
          for (const event of missed) sendLog(event)
        }
        for (const event of held) sendLog(event)
        held = undefined
      } catch (error) {
        request.log.error({ err: error, event: 'log_stream.failed' }, 'the log stream failed')
        close()
      }
    },
  )
}
