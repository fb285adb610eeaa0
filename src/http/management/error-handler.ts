import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ApiError } from '../../errors/api-error.js'
import { STORAGE_RETRY_AFTER_S, isStorageUnavailable } from '../../errors/storage-unavailable.js'
import { BodyParseError } from '../body-parsers.js'
import { formatValidationErrors } from '../validation.js'

/** Largest accepted Management API request body: room for a 100 KiB script, JSON-escaped. */
export const MAX_MANAGEMENT_BODY_BYTES = 1024 * 1024

function toApiError(error: FastifyError | Error): ApiError {
  if ((!(error instanceof ApiError) || error.statusCode >= 500) && isStorageUnavailable(error)) {
    return new ApiError('StorageUnavailable', {
      headers: { 'retry-after': String(STORAGE_RETRY_AFTER_S) },
      cause: error,
    })
  }
  if (error instanceof ApiError) return error
  if (error instanceof BodyParseError) {
    return new ApiError('InvalidJson', { message: error.message })
  }
  const fastifyError = error as FastifyError
  if (fastifyError.validation !== undefined) {
    switch (fastifyError.validationContext) {
      case 'querystring':
        return new ApiError('InvalidQueryString', {
          message: formatValidationErrors(fastifyError.validation, 'Query'),
        })
      case 'params':
        return new ApiError('InvalidUri', {
          message: formatValidationErrors(fastifyError.validation, 'Path'),
        })
      case 'body':
      case 'headers':
      case undefined:
        return new ApiError('InvalidBody', {
          message: formatValidationErrors(fastifyError.validation, 'Payload'),
        })
    }
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('PayloadTooLarge', {
        message: `Payload content length greater than maximum allowed: ${MAX_MANAGEMENT_BODY_BYTES}`,
      })
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('UnsupportedMediaType')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('InvalidJson')
    default:
      return new ApiError('InternalError', { cause: error })
  }
}

/**
 * The only place that turns an error into a Management API body (compat §2.2). Errors of 500
 * and above get the catalogue's generic text; their cause is logged under the request id.
 */
export function managementErrorHandler(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const apiError = toApiError(error)
  if (apiError.statusCode >= 500) {
    request.log.error({ err: error, event: 'request.failed' }, 'request failed')
  } else {
    request.log.info(
      { statusCode: apiError.statusCode, errorCode: apiError.errorCode },
      apiError.message,
    )
  }
  void reply.code(apiError.statusCode).headers(apiError.headers).send(apiError.toBody())
}
