import type { FastifyRequest } from 'fastify'

/** The first language of `Accept-Language`, lower-cased, without its quality. */
export function firstLanguage(request: FastifyRequest): string | undefined {
  const header = request.headers['accept-language']
  const first = header?.split(',')[0]?.split(';')[0]?.trim().toLowerCase()
  return first === undefined || first === '' || first === '*' ? undefined : first
}

/** Address, user agent and language of a request, for hook contexts and the tenant log. */
export function requestOrigin(request: FastifyRequest): {
  ip: string
  userAgent?: string
  language?: string
} {
  const language = firstLanguage(request)
  const userAgent = request.headers['user-agent']
  return {
    ip: request.ip,
    ...(userAgent !== undefined ? { userAgent } : undefined),
    ...(language !== undefined ? { language } : undefined),
  }
}
