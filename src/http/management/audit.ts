import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { isAudited, toAuditEvent, type AuditedRequest } from '../../observability/audit.js'
import type { TenantLog } from '../../tenant-log/tenant-log.js'
import { actorOf } from './actor.js'

/** The hook id in a `/api/v2/hooks/{id}…` path (not `/hooks/triggers/…`). */
const HOOK_PATH = /^\/api\/v2\/hooks\/([^/?]+)/

function errorOf(payload: unknown): AuditedRequest['error'] {
  if (typeof payload !== 'string') return undefined
  try {
    const body = JSON.parse(payload) as Record<string, unknown>
    const pick = (key: string) => (typeof body[key] === 'string' ? body[key] : undefined)
    const error = pick('error')
    const message = pick('message')
    const errorCode = pick('errorCode')
    return {
      ...(error !== undefined ? { error } : undefined),
      ...(message !== undefined ? { message } : undefined),
      ...(errorCode !== undefined ? { errorCode } : undefined),
    }
  } catch {
    return undefined
  }
}

/** The id of the hook a successful `POST /api/v2/hooks` created, from its response. */
function createdHookId(path: string, statusCode: number, payload: unknown): string | undefined {
  if (path !== '/api/v2/hooks' || statusCode !== 201 || typeof payload !== 'string')
    return undefined
  try {
    const id = (JSON.parse(payload) as { id?: unknown }).id
    return typeof id === 'string' ? id : undefined
  } catch {
    return undefined
  }
}

/**
 * Writes the audit event (`sapi`/`fapi`, src/observability/audit.ts) of every Management API write
 * before its response is sent, so that a client reading `/api/v2/logs` after its write finds it.
 */
export function registerAuditTrail(app: FastifyInstance, tenantLog: TenantLog): void {
  app.addHook(
    'onSend',
    async (request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
      if (!isAudited(request.method)) return payload
      const path = request.url.split('?', 1)[0] ?? request.url
      const hookId = HOOK_PATH.exec(path)?.[1] ?? createdHookId(path, reply.statusCode, payload)
      const auth = request.managementAuth
      const userAgent = request.headers['user-agent']
      const error = reply.statusCode >= 400 ? errorOf(payload) : undefined
      await tenantLog.record(
        toAuditEvent({
          method: request.method,
          path,
          query: (request.query ?? {}) as Record<string, unknown>,
          body: request.body,
          statusCode: reply.statusCode,
          ...(auth !== undefined
            ? { clientId: auth.clientId, actor: actorOf(request) }
            : undefined),
          ip: request.ip,
          ...(userAgent !== undefined ? { userAgent } : undefined),
          ...(hookId !== undefined && hookId !== 'triggers' ? { hookId } : undefined),
          ...(error !== undefined ? { error } : undefined),
        }),
      )
      return payload
    },
  )
}
