import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { ServerResponse } from 'node:http'
import { Type } from 'typebox'
import { ApiError } from '../../errors/api-error.js'
import type { HookService } from '../../hooks/hook-service.js'
import type { TenantLogStore } from '../../storage/store.js'
import type { TenantLog } from '../../tenant-log/tenant-log.js'
import { toLogResponse } from './directory.schemas.js'
import type { ManagementRouteConfig } from './guard.js'

/** A comment line every so often keeps proxies from closing an idle stream, in milliseconds. */
export const LOG_STREAM_HEARTBEAT_MS = 15_000
/** A stream ends after this long, in milliseconds; `EventSource` reconnects by itself. */
export const MAX_LOG_STREAM_MS = 60 * 60 * 1000
/** Streams open at once in this process. */
export const MAX_LOG_STREAMS = 100
/** Events replayed after `Last-Event-ID` on a reconnect. */
export const MAX_LOG_STREAM_REPLAY = 100
/** What the client waits before reconnecting, in milliseconds (the SSE `retry` field). */
const RECONNECT_DELAY_MS = 3_000

export interface LogStreamOptions {
  readonly hooks: HookService
  readonly tenantLog: TenantLog
  readonly store: TenantLogStore
}

/**
 * `GET /api/v2/hooks/{id}/logs/stream`: the hook's executions as they happen, as server-sent
 * events (`event: log`, `id: <log_id>`, `data: <log event JSON>`), for the dashboard's real-time
 * view. A reconnect with `Last-Event-ID` first replays what it missed.
 */
export const logStreamRoutes: FastifyPluginAsyncTypebox<LogStreamOptions> = async (
  app,
  { hooks, tenantLog, store },
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
        summary: "Stream a hook's log events (server-sent events)",
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
      const send = (event: Parameters<typeof toLogResponse>[0]) => {
        raw.write(
          `event: log\nid: ${event.logId}\ndata: ${JSON.stringify(toLogResponse(event))}\n\n`,
        )
      }
      if (typeof lastEventId === 'string' && lastEventId !== '') {
        const missed = await store.listLogs({
          hookId: hook.id,
          from: lastEventId,
          take: MAX_LOG_STREAM_REPLAY,
        })
        for (const event of missed.items) send(event)
      }
      const unsubscribe = tenantLog.subscribe((event) => {
        if (event.hookId === hook.id) send(event)
      })
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
