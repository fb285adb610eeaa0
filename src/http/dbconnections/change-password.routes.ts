import type { FastifyPluginAsync } from 'fastify'
import { DbConnectionsError } from '../../errors/api-error.js'
import {
  CHANGE_PASSWORD_ANSWER,
  requestPasswordChange,
  type PasswordTicketDeps,
} from '../../flows/password-ticket.js'

export interface ChangePasswordRoutesOptions {
  readonly passwordTickets: PasswordTicketDeps
  /** Runs the lookup and the mail after the response. */
  readonly runDetached: (task: () => Promise<void>) => void
  readonly bodyLimit: number
}

function requiredParam(body: Record<string, unknown>, name: string): string {
  const value = body[name]
  if (typeof value !== 'string' || value === '') {
    throw new DbConnectionsError('InvalidBody', {
      description: `Parameter ${name} is required and must be a single string`,
    })
  }
  return value
}

/**
 * `POST /dbconnections/change_password` (JSON or form body). The answer is Auth0's text, the same
 * whether or not the user exists; the ticket is created and mailed after the response, so that
 * the timing does not tell either.
 */
export const changePasswordRoutes: FastifyPluginAsync<ChangePasswordRoutesOptions> = async (
  app,
  options,
) => {
  app.post(
    '/dbconnections/change_password',
    { bodyLimit: options.bodyLimit },
    async (request, reply) => {
      const body =
        typeof request.body === 'object' && request.body !== null && !Array.isArray(request.body)
          ? (request.body as Record<string, unknown>)
          : {}
      requiredParam(body, 'client_id')
      const email = requiredParam(body, 'email')
      const connection = requiredParam(body, 'connection')
      options.runDetached(() =>
        requestPasswordChange(options.passwordTickets, { email, connection }),
      )
      return reply.code(200).type('text/plain; charset=utf-8').send(CHANGE_PASSWORD_ANSWER)
    },
  )
}
