import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { ServerResponse } from 'node:http'
import { Type } from 'typebox'
import { ApiError } from '../../errors/api-error.js'
import type { HookExecution, HookExecutionLog } from '../../hooks/execution-log.js'
import type { HookService } from '../../hooks/hook-service.js'
import type { ManagementRouteConfig } from './guard.js'

/** A comment line every so often keeps proxies from closing an idle stream, in milliseconds. */
export const LOG_STREAM_HEARTBEAT_MS = 15_000
/** A stream ends after this long, in milliseconds; `EventSource` reconnects by itself. */
export const MAX_LOG_STREAM_MS = 60 * 60 * 1000
/** Streams open at once in this process. */
export const MAX_LOG_STREAMS = 100
/** Executions replayed after `Last-Event-ID` on a reconnect (at most what the log keeps). */
export const MAX_LOG_STREAM_REPLAY = 100
/** What the client waits before reconnecting, in milliseconds (the SSE `retry` field). */
const RECONNECT_DELAY_MS = 3_000

export interface LogStreamOptions {
  readonly hooks: HookService
  readonly executions: HookExecutionLog
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

/**
 * `GET /api/v2/hooks/{id}/logs/stream`: the hook's live log (issue 18.5), every execution by a
 * real request as it ends, as server-sent events (`event: execution`, `id: <execution_id>`,
 * `data: <execution JSON>`), for the dashboard's Live logs. A reconnect with `Last-Event-ID`
 * first replays what it missed of what this process keeps (execution-log.ts).
 */
export const logStreamRoutes: FastifyPluginAsyncTypebox<LogStreamOptions> = async (
  app,
  { hooks, executions },
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
        summary: "Stream a hook's executions: its live log (server-sent events)",
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
      const raw: ServerResponse = reply.raw
      reply.hijack()
      raw.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      })
      raw.write(`retry: ${RECONNECT_DELAY_MS}\n: stream of hook ${hook.id}\n\n`)
      const send = (execution: HookExecution) => {
        raw.write(
          `event: execution\nid: ${execution.id}\ndata: ${JSON.stringify(toExecutionResponse(execution))}\n\n`,
        )
      }
      if (typeof lastEventId === 'string' && lastEventId !== '') {
        for (const missed of executions.since(hook.id, lastEventId).slice(-MAX_LOG_STREAM_REPLAY)) {
          send(missed)
        }
      }
      const unsubscribe = executions.subscribe(hook.id, send)
      const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), LOG_STREAM_HEARTBEAT_MS)
      const limit = setTimeout(() => close(), MAX_LOG_STREAM_MS)
      const close = () => {
        if (!open.delete(close)) return
        unsubscribe()
        clearInterval(heartbeat)
        clearTimeout(limit)
        raw.end()
      }
      open.add(close)
      request.raw.on('close', close)
    },
  )
}
