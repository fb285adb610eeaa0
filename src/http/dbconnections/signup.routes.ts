import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { DbConnectionsError } from '../../errors/api-error.js'
import { signUp, type SignupDeps } from '../../flows/signup.js'

export interface SignupRoutesOptions {
  readonly signup: SignupDeps
  readonly bodyLimit: number
}

/** A single string parameter; repeated or non-string values are an invalid signup. */
function param(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') {
    throw new DbConnectionsError('InvalidSignup', {
      description: `Parameter ${name} must be a single string`,
    })
  }
  return value
}

/** The first language of `Accept-Language`, lower-cased, without its quality. */
function firstLanguage(request: FastifyRequest): string | undefined {
  const header = request.headers['accept-language']
  const first = header?.split(',')[0]?.split(';')[0]?.trim().toLowerCase()
  return first === undefined || first === '' || first === '*' ? undefined : first
}

/** `POST /dbconnections/signup` (JSON or form body). */
export const signupRoutes: FastifyPluginAsync<SignupRoutesOptions> = async (app, options) => {
  app.post('/dbconnections/signup', { bodyLimit: options.bodyLimit }, async (request, reply) => {
    const body =
      typeof request.body === 'object' && request.body !== null && !Array.isArray(request.body)
        ? (request.body as Record<string, unknown>)
        : {}
    const username = param(body, 'username')
    const phoneNumber = param(body, 'phone_number')
    const language = firstLanguage(request)
    const userAgent = request.headers['user-agent']
    const response = await signUp(options.signup, {
      clientId: param(body, 'client_id'),
      email: param(body, 'email'),
      password: param(body, 'password'),
      connection: param(body, 'connection'),
      ...(username !== undefined ? { username } : undefined),
      ...(phoneNumber !== undefined ? { phoneNumber } : undefined),
      ...(body.user_metadata !== undefined ? { userMetadata: body.user_metadata } : undefined),
      ip: request.ip,
      ...(userAgent !== undefined ? { userAgent } : undefined),
      ...(language !== undefined ? { language } : undefined),
    })
    return reply.send(response)
  })
}
