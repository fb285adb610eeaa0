import type { FastifyReply, FastifyRequest } from 'fastify'
import { ApiError } from '../errors/api-error.js'
import { applyRateLimit, type GuardOptions } from './management/guard.js'

const HOOK_PATH = /^\/api\/v2\/hooks\/[^/?]+(?:\/secrets)?(?:\?|$)/

/**
 * Errors Fastify's router raises before any route runs: a path with broken percent-encoding, or a
 * path parameter longer than the router takes. Under `/api/v2` they get the Management API's
 * error shape and rate-limit headers like every other response; a hook id that cannot even be
 * decoded is just an id that does not exist (compat Q25).
 */
export async function answerFrameworkError(
  error: Error,
  request: FastifyRequest,
  reply: FastifyReply,
  guard: Pick<GuardOptions, 'rateLimit' | 'now'>,
): Promise<void> {
  if (!request.url.startsWith('/api/v2/')) {
    await reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'Invalid URL' })
    return
  }
  let apiError: ApiError
  try {
    await applyRateLimit(guard, `ip:${request.ip}`, reply)
    apiError = HOOK_PATH.test(request.url)
      ? new ApiError('HookDoesNotExist')
      : new ApiError('InvalidUri', { message: "Path validation error: 'Invalid URL'." })
  } catch (limited) {
    apiError = limited instanceof ApiError ? limited : new ApiError('InternalError')
  }
  request.log.info({ err: error, statusCode: apiError.statusCode }, apiError.message)
  await reply.code(apiError.statusCode).send(apiError.toBody())
}
