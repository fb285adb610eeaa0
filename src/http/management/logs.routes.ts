import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ApiError } from '../../errors/api-error.js'
import type { TenantLogStore } from '../../storage/store.js'
import { LogsQuery, parseLogsQuery, toLogResponse } from './directory.schemas.js'
import { listBody, pageOf } from './paging.js'
import { IdParams, routeScope } from './directory.params.js'

/** Logs are paged by default, as on Auth0. */
export const DEFAULT_LOGS_PER_PAGE = 50

export interface LogRoutesOptions {
  readonly logs: TenantLogStore
}

/** `/logs`: the tenant log. */
export const logRoutes: FastifyPluginAsyncTypebox<LogRoutesOptions> = async (app, options) => {
  app.get(
    '/logs',
    {
      config: routeScope('read:logs'),
      schema: { summary: 'Search log events', tags: ['logs'], querystring: LogsQuery },
    },
    async (request) => {
      const q = request.query
      const { type, hookId } = parseLogsQuery(q.q)
      const checkpoint = q.from !== undefined || q.take !== undefined
      const page = checkpoint ? undefined : pageOf(q, DEFAULT_LOGS_PER_PAGE)
      const { items, total } = await options.logs.listLogs({
        ...(type !== undefined ? { type } : undefined),
        ...(hookId !== undefined ? { hookId } : undefined),
        ...(q.from !== undefined ? { from: q.from } : undefined),
        ...(q.take !== undefined ? { take: q.take } : undefined),
        ...(checkpoint && q.take === undefined ? { take: DEFAULT_LOGS_PER_PAGE } : undefined),
        ...(page !== undefined ? { page } : undefined),
      })
      const body = items.map(toLogResponse)
      return checkpoint ? body : listBody('logs', body, total, page, q.include_totals)
    },
  )
  app.get(
    '/logs/:id',
    {
      config: routeScope('read:logs'),
      schema: { summary: 'Get a log event', tags: ['logs'], params: IdParams },
    },
    async (request) => {
      const log = await options.logs.getLog(request.params.id)
      if (log === undefined) throw new ApiError('LogDoesNotExist')
      return toLogResponse(log)
    },
  )
}
