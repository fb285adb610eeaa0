/**
 * Password-change tickets (compat §4.4): `POST /api/v2/tickets/password-change` and
 * `POST /dbconnections/change_password` create one; the page at `/lo/reset` redeems it. The
 * token (32 random bytes) appears only in the ticket URL; the store keeps its SHA-256. A ticket
 * is single use (consumed atomically) and expires (`ttl_sec`, default 5 days as on Auth0).
 */
import { createHash, randomBytes } from 'node:crypto'
import type { PasswordCheck } from '../directory/passwords.js'
import { toWireUserId, type UserService } from '../directory/users.js'
import type { Logger } from '../logging/logger.js'
import type { SmtpMessage } from '../mail/smtp.js'
import { withSpan } from '../observability/tracing.js'
import type { ConnectionRecord, Store, UserRecord } from '../storage/store.js'
import { afterPasswordChange, type ChangePasswordDeps } from './change-password.js'

/** Auth0's default `ttl_sec` of a password-change ticket: 5 days. */
export const DEFAULT_TICKET_TTL_S = 432_000
/** Longest ticket lifetime accepted: 30 days. */
export const MAX_TICKET_TTL_S = 30 * 24 * 60 * 60
/** Random bytes of a ticket token (256 bits). */
export const TICKET_TOKEN_BYTES = 32
/** Path of the reset page, below the issuer (Auth0's `/lo/reset`). */
export const RESET_PAGE_PATH = 'lo/reset'
/** Auth0's answer to `POST /dbconnections/change_password`, whether or not the user exists. */
export const CHANGE_PASSWORD_ANSWER = "We've just sent you an email to reset your password."
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/

export interface PasswordTicketDeps {
  readonly store: Store
  readonly users: UserService
  readonly issuer: string
  /** Clock in epoch milliseconds. */
  readonly now: () => number
  readonly changePassword: ChangePasswordDeps
  readonly logger: Logger
  /** Sends the ticket link; absent when no SMTP relay is configured (the link is logged). */
  readonly mail?: {
    readonly from: string
    readonly send: (message: SmtpMessage) => Promise<void>
  }
}

export interface NewTicketInput {
  readonly user: UserRecord
  readonly resultUrl?: string
  readonly ttlSec?: number
  readonly markEmailVerified?: boolean
}

/** SHA-256 of a token, hex: the key tickets are stored under. */
export function hashTicketToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/** Creates a ticket and returns its URL (the only place the token exists). */
export async function createPasswordTicket(
  deps: PasswordTicketDeps,
  input: NewTicketInput,
): Promise<string> {
  const ttlSec =
    input.ttlSec === undefined || input.ttlSec === 0
      ? DEFAULT_TICKET_TTL_S
      : Math.min(input.ttlSec, MAX_TICKET_TTL_S)
  const token = randomBytes(TICKET_TOKEN_BYTES).toString('base64url')
  await deps.store.createPasswordTicket({
    tokenHash: hashTicketToken(token),
    userId: input.user.id,
    ...(input.resultUrl !== undefined ? { resultUrl: input.resultUrl } : undefined),
    markEmailVerified: input.markEmailVerified ?? false,
    expiresAt: new Date(deps.now() + ttlSec * 1000).toISOString(),
  })
  return `${deps.issuer}${RESET_PAGE_PATH}?ticket=${token}`
}

/**
 * `POST /dbconnections/change_password`: when the connection has a user with that e-mail, creates
 * a ticket and mails its link (or logs it when SMTP is off). Runs detached from the request, so
 * that neither the answer nor its timing tells whether the user exists.
 */
export async function requestPasswordChange(
  deps: PasswordTicketDeps,
  request: { readonly email: string; readonly connection: string },
): Promise<void> {
  const connection = await deps.store.getConnectionByName(request.connection)
  const user =
    connection === undefined
      ? undefined
      : await deps.store.findUser(connection.id, { email: request.email })
  if (user?.email === undefined) {
    deps.logger.info(
      { event: 'password_ticket.no_user', connection: request.connection },
      'password change requested for an unknown user; nothing sent',
    )
    return
  }
  const url = await createPasswordTicket(deps, { user })
  if (deps.mail === undefined) {
    // No relay: the operator delivers the link by hand. The log then holds a live ticket.
    deps.logger.info(
      { event: 'password_ticket.created', userId: toWireUserId(user.id), ticketUrl: url },
      'password-change ticket created (SMTP is off: deliver this link to the user)',
    )
    return
  }
  const sent = deps.mail.send({
    from: deps.mail.from,
    to: user.email,
    subject: 'Reset your password',
    text: [
      'Hello,',
      '',
      'Someone asked to change the password of your account. To choose a new password, open:',
      '',
      url,
      '',
      'If you did not ask for this, ignore this message: your password stays as it is.',
      '',
    ].join('\n'),
  })
  try {
    await sent
  } catch (error) {
    // The error names the SMTP step and reply, never the relay's URL or the link.
    deps.logger.error(
      { err: error, event: 'password_ticket.mail_failed', userId: toWireUserId(user.id) },
      'could not send the password-change e-mail',
    )
    return
  }
  deps.logger.info(
    { event: 'password_ticket.mailed', userId: toWireUserId(user.id) },
    'password-change ticket sent by e-mail',
  )
}

export type TicketState =
  | {
      readonly kind: 'valid'
      readonly user: UserRecord
      readonly connection: ConnectionRecord
    }
  | { readonly kind: 'unknown' | 'expired' | 'used' }

/** What the page should show for a token: the form, or why not. */
export async function inspectTicket(deps: PasswordTicketDeps, token: string): Promise<TicketState> {
  if (!TOKEN_PATTERN.test(token)) return { kind: 'unknown' }
  const ticket = await deps.store.getPasswordTicket(hashTicketToken(token))
  if (ticket === undefined) return { kind: 'unknown' }
  if (ticket.usedAt !== undefined) return { kind: 'used' }
  if (Date.parse(ticket.expiresAt) <= deps.now()) return { kind: 'expired' }
  const user = await deps.store.getUser(ticket.userId)
  if (user === undefined) return { kind: 'unknown' }
  const connection = await deps.store.getConnection(user.connectionId)
  if (connection === undefined) return { kind: 'unknown' }
  return { kind: 'valid', user, connection }
}

export type ResetResult =
  | { readonly kind: 'changed'; readonly resultUrl?: string }
  | { readonly kind: 'weak'; readonly check: PasswordCheck }
  | { readonly kind: 'unknown' | 'expired' | 'used' }

/**
 * Redeems a ticket: checks the policy first (a weak password leaves the ticket usable), then
 * consumes the ticket atomically, sets the password and starts post-change-password.
 */
export function resetPassword(
  deps: PasswordTicketDeps,
  token: string,
  password: string,
): Promise<ResetResult> {
  return withSpan('flow.change_password', { 'openhooks.password_change.via': 'ticket' }, () =>
    resetPasswordInSpan(deps, token, password),
  )
}

async function resetPasswordInSpan(
  deps: PasswordTicketDeps,
  token: string,
  password: string,
): Promise<ResetResult> {
  const state = await inspectTicket(deps, token)
  if (state.kind !== 'valid') return state
  const check = deps.users.checkPassword(state.connection, password)
  if (!check.verified) return { kind: 'weak', check }
  const now = new Date(deps.now())
  const ticket = await deps.store.consumePasswordTicket(hashTicketToken(token), now.toISOString())
  // Another request redeemed it (or it expired) between the check and now.
  if (ticket === undefined) return { kind: 'used' }
  const user = await deps.users.update(
    toWireUserId(ticket.userId),
    { password, ...(ticket.markEmailVerified ? { emailVerified: true } : undefined) },
    now,
  )
  afterPasswordChange(deps.changePassword, user)
  deps.logger.info(
    { event: 'password_ticket.redeemed', userId: toWireUserId(user.id) },
    'password changed through a ticket',
  )
  return ticket.resultUrl !== undefined
    ? { kind: 'changed', resultUrl: ticket.resultUrl }
    : { kind: 'changed' }
}
