import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { ServerResponse } from 'node:http'
import { Type } from 'typebox'
import { ApiError } from '../../errors/api-error.js'
import type { HookService } from '../../hooks/hook-service.js'
import type { SequencedTenantLog, TenantLogStore } from '../../storage/store.js'
import type { TenantLogFeed } from '../../tenant-log/log-feed.js'
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
  readonly feed: TenantLogFeed
  readonly store: TenantLogStore
}

/** Digits of an event id on the stream: its `seq`, zero-padded so that ids compare as strings. */
const STREAM_ID_DIGITS = 16

/** The `Last-Event-ID` of a reconnect as a `seq`: a stream id, or (older streams) a log id. */
async function seqOfLastEventId(store: TenantLogStore, id: string): Promise<number | undefined> {
  if (/^\d{1,16}$/.test(id)) return Number(id)
  return store.logSeqOf(id)
}

/**
 * `GET /api/v2/hooks/{id}/logs/stream`: the hook's executions as they happen, on any node of the
 * cluster, as server-sent events (`event: log`, `id: <seq>`, `data: <log event JSON>`), for the
 * dashboard's real-time view. Events come in the order they were stored (`seq`, zero-padded in
 * `id:`); while the stream is open none is skipped. A reconnect with `Last-Event-ID` first
 * replays what it missed (at most MAX_LOG_STREAM_REPLAY events).
 */
export const logStreamRoutes: FastifyPluginAsyncTypebox<LogStreamOptions> = async (
  app,
  { hooks, feed, store },
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
      const send = ({ seq, log }: SequencedTenantLog) => {
        raw.write(
          `event: log\nid: ${String(seq).padStart(STREAM_ID_DIGITS, '0')}\ndata: ${JSON.stringify(toLogResponse(log))}\n\n`,
        )
      }
      let unsubscribe = (): void => {}
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
      // Events that arrive while the missed ones are read wait, so the order holds.
      let held: SequencedTenantLog[] | undefined = []
      try {
        const subscription = await feed.subscribe((event) => {
          if (event.log.hookId !== hook.id) return
          if (held !== undefined) held.push(event)
          else send(event)
        })
        unsubscribe = subscription.unsubscribe
        if (!open.has(close)) unsubscribe() // the client left meanwhile
        const after =
          typeof lastEventId === 'string' && lastEventId !== ''
            ? await seqOfLastEventId(store, lastEventId)
            : undefined
        if (after !== undefined) {
          const missed = await store.listLogsBySeq({
            afterSeq: after,
            upToSeq: subscription.cursor,
            hookId: hook.id,
            take: MAX_LOG_STREAM_REPLAY,
          })
          for (const event of missed) send(event)
        }
        for (const event of held) send(event)
        held = undefined
      } catch (error) {
        request.log.error({ err: error, event: 'log_stream.failed' }, 'the log stream failed')
        close()
      }
    },
  )
}
