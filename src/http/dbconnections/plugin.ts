import type { DetachedTasks } from '../../flows/detached.js'
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { DbConnectionsError } from '../../errors/api-error.js'
import { isStorageUnavailable } from '../../errors/storage-unavailable.js'
import type { PasswordTicketDeps } from '../../flows/password-ticket.js'
import type { SignupDeps } from '../../flows/signup.js'
import type { RateLimitStore } from '../../rate-limit/token-bucket.js'
import { BodyParseError, registerBodyParsers } from '../body-parsers.js'
import { changePasswordRoutes } from './change-password.routes.js'
import { signupRoutes } from './signup.routes.js'

/** Largest accepted `/dbconnections/*` request body. */
export const MAX_DBCONNECTIONS_BODY_BYTES = 16 * 1024

export interface DbConnectionsPluginOptions {
  readonly signup: Omit<SignupDeps, 'runDetached'>
  /** Where the post-registration hook runs after the response. */
  readonly detached: DetachedTasks
  /** `change_password`: creates and mails password-change tickets. */
  readonly passwordTickets: PasswordTicketDeps
  /** Signups accepted per client IP per minute (Auth0: 50); 0: no limit. */
  readonly signupPerIpPerMinute: number
  /** The buckets of that limit: shared by the nodes of a cluster; in memory by default. */
  readonly signupBuckets?: RateLimitStore
  /** Clock of the signup limit, for tests; default `Date.now`. */
  readonly now?: () => number
}

function toDbConnectionsError(error: FastifyError | Error): DbConnectionsError {
  if (
    (!(error instanceof DbConnectionsError) || error.statusCode >= 500) &&
    isStorageUnavailable(error)
  ) {
    return new DbConnectionsError('StorageUnavailable', { cause: error })
  }
  if (error instanceof DbConnectionsError) return error
  if (error instanceof BodyParseError) {
    return new DbConnectionsError('InvalidBody', { description: error.message })
  }
  switch ((error as FastifyError).code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new DbConnectionsError('InvalidBody', {
        description:
          'The request body must be application/json or application/x-www-form-urlencoded',
      })
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new DbConnectionsError('PayloadTooLarge', {
        description: `Payload content length greater than maximum allowed: ${MAX_DBCONNECTIONS_BODY_BYTES}`,
      })
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new DbConnectionsError('InvalidBody')
    default:
      return new DbConnectionsError('InternalError', { cause: error })
  }
}

/** The only place that turns an error into a `/dbconnections/*` body (STYLE §6). */
function dbConnectionsErrorHandler(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const dbError = toDbConnectionsError(error)
  if (dbError.statusCode >= 500) {
    request.log.error(
      { err: error, cause: dbError.cause, event: 'request.failed' },
      'dbconnections request failed',
    )
  } else {
    request.log.info({ statusCode: dbError.statusCode, code: dbError.code }, dbError.message)
  }
  void reply.code(dbError.statusCode).send(dbError.toBody())
}

/** `/dbconnections/*`: Auth0's Authentication API database endpoints, with their error bodies. */
export const dbConnectionsPlugin: FastifyPluginAsync<DbConnectionsPluginOptions> = async (
  app,
  options,
) => {
  registerBodyParsers(app)
  app.setErrorHandler(dbConnectionsErrorHandler)
  await app.register(signupRoutes, {
    signup: { ...options.signup, runDetached: options.detached.run },
    bodyLimit: MAX_DBCONNECTIONS_BODY_BYTES,
    perIpPerMinute: options.signupPerIpPerMinute,
    ...(options.signupBuckets !== undefined ? { buckets: options.signupBuckets } : undefined),
    ...(options.now !== undefined ? { now: options.now } : undefined),
  })
  await app.register(changePasswordRoutes, {
    passwordTickets: options.passwordTickets,
    runDetached: options.detached.run,
    bodyLimit: MAX_DBCONNECTIONS_BODY_BYTES,
  })
}
