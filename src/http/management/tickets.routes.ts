import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ApiError } from '../../errors/api-error.js'
import {
  MAX_TICKET_TTL_S,
  createPasswordTicket,
  type PasswordTicketDeps,
} from '../../flows/password-ticket.js'
import type { UserRecord } from '../../storage/store.js'
import type { ManagementRouteConfig } from './guard.js'

export interface TicketRoutesOptions {
  readonly passwordTickets: PasswordTicketDeps
}

export const PasswordChangeTicketBody = Type.Object(
  {
    user_id: Type.Optional(
      Type.String({ minLength: 1, description: 'The user whose password changes.' }),
    ),
    email: Type.Optional(
      Type.String({ minLength: 1, description: "The user's e-mail (with connection_id)." }),
    ),
    connection_id: Type.Optional(
      Type.String({ minLength: 1, description: 'The database connection of `email`.' }),
    ),
    result_url: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2_048,
        description: 'Where the page sends the user after the change (http or https).',
      }),
    ),
    ttl_sec: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_TICKET_TTL_S,
        description: 'Lifetime of the ticket in seconds; 0 or absent means 432000 (5 days).',
      }),
    ),
    mark_email_as_verified: Type.Optional(
      Type.Boolean({ description: 'Marks the e-mail verified when the password is set.' }),
    ),
    client_id: Type.Optional(Type.String({ description: 'Accepted for compatibility; unused.' })),
  },
  { additionalProperties: false },
)

const TicketResponse = Type.Object({ ticket: Type.String() })

const config: ManagementRouteConfig = { scope: 'create:user_tickets' }

/** `POST /api/v2/tickets/password-change`: a single-use URL of the password reset page. */
export const ticketRoutes: FastifyPluginAsyncTypebox<TicketRoutesOptions> = async (
  app,
  options,
) => {
  const deps = options.passwordTickets
  app.post(
    '/tickets/password-change',
    {
      config,
      schema: {
        summary: 'Create a password change ticket',
        tags: ['tickets'],
        body: PasswordChangeTicketBody,
        response: { 201: TicketResponse },
      },
    },
    async (request, reply) => {
      const b = request.body
      let user: UserRecord | undefined
      if (b.user_id !== undefined) {
        user = await deps.users.get(b.user_id)
      } else if (b.email !== undefined && b.connection_id !== undefined) {
        const connection = await deps.users.getConnection(b.connection_id)
        user = await deps.store.findUser(connection.id, { email: b.email })
        if (user === undefined) throw new ApiError('UserDoesNotExist')
      } else {
        throw new ApiError('InvalidBody', {
          message:
            "Payload validation error: 'Missing required property: user_id' (or email and connection_id).",
        })
      }
      if (b.result_url !== undefined && !isHttpUrl(b.result_url)) {
        throw new ApiError('InvalidBody', {
          message:
            "Payload validation error: 'Object didn't pass validation for format absolute-uri: " +
            `${b.result_url}' on property result_url.`,
        })
      }
      const ticket = await createPasswordTicket(deps, {
        user,
        ...(b.result_url !== undefined ? { resultUrl: b.result_url } : undefined),
        ...(b.ttl_sec !== undefined ? { ttlSec: b.ttl_sec } : undefined),
        ...(b.mark_email_as_verified !== undefined
          ? { markEmailVerified: b.mark_email_as_verified }
          : undefined),
      })
      return reply.code(201).send({ ticket })
    },
  )
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || url.protocol === 'http:'
  } catch {
    return false
  }
}
