/**
 * `/lo/reset`: the server-rendered page that redeems a password-change ticket (Auth0's path). No
 * script, no external resource; every value is HTML-escaped.
 *
 * CSRF: double submit. GET sets a random token in an HttpOnly, SameSite=Strict cookie scoped to
 * this path and puts the same token in a hidden field; POST accepts the form only when both are
 * present and equal (compared in constant time). A cross-site form cannot read or set the cookie,
 * and SameSite=Strict keeps the browser from sending it on a cross-site POST.
 *
 * The ticket is in the query string: this scope logs at `warn`, so Fastify's request lines (which
 * carry the URL) are not written for it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { FastifyError, FastifyPluginAsync, FastifyReply } from 'fastify'
import type { PasswordRule } from '../../directory/passwords.js'
import { readCookie } from '../cookies.js'
import {
  inspectTicket,
  resetPassword,
  type PasswordTicketDeps,
} from '../../flows/password-ticket.js'
import { registerBodyParsers } from '../body-parsers.js'

/** Largest accepted form body. */
export const MAX_RESET_FORM_BYTES = 8 * 1024
/** Random bytes of the CSRF token. */
export const CSRF_TOKEN_BYTES = 32
/** Lifetime of the CSRF cookie, in seconds. */
export const CSRF_COOKIE_MAX_AGE_S = 60 * 60
export const CSRF_COOKIE_NAME = 'openhooks_reset_csrf'
/** Seconds the success page waits before following `result_url`. */
const RESULT_REDIRECT_DELAY_S = 3
const RESET_PATH = '/lo/reset'

export const RESET_PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const

export interface ResetPagePluginOptions {
  readonly passwordTickets: PasswordTicketDeps
  /** Adds `Secure` to the cookie (an https issuer). */
  readonly secureCookie: boolean
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c)
}

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}' +
  'label{display:block;margin:.8rem 0 .2rem}input[type=password]{width:100%;padding:.4rem;box-sizing:border-box}' +
  'button{margin-top:1rem;padding:.5rem 1rem}.error{color:#a00}.ok{color:#070}li.ok::marker{content:"✓ "}' +
  'li.bad::marker{content:"✗ "}'

function page(title: string, body: string, head = ''): string {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style>${head}</head>` +
    `<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`
  )
}

function ruleText(rule: PasswordRule): string {
  let i = 0
  return rule.message.replace(/%[ds]/g, (m) =>
    m === '%s' ? 'aaa' : String(rule.format?.[i++] ?? ''),
  )
}

function rulesList(rules: readonly PasswordRule[]): string {
  const items = rules.map((rule) => {
    const nested =
      rule.items === undefined
        ? ''
        : `<ul>${rule.items.map((item) => `<li class="${item.verified ? 'ok' : 'bad'}">${escapeHtml(ruleText(item))}</li>`).join('')}</ul>`
    return `<li class="${rule.verified ? 'ok' : 'bad'}">${escapeHtml(ruleText(rule))}${nested}</li>`
  })
  return `<ul class="rules">${items.join('')}</ul>`
}

function formPage(options: {
  ticket: string
  csrf: string
  email: string | undefined
  error?: string
  rules?: readonly PasswordRule[]
}): string {
  const who =
    options.email === undefined
      ? ''
      : `<p>Choose a new password for <strong>${escapeHtml(options.email)}</strong>.</p>`
  const error =
    options.error === undefined
      ? ''
      : `<p class="error" role="alert">${escapeHtml(options.error)}</p>`
  const rules =
    options.rules === undefined ? '' : `<p>Your password must meet:</p>${rulesList(options.rules)}`
  return page(
    'Change your password',
    `${who}${error}${rules}<form method="post" action="${RESET_PATH}">` +
      `<input type="hidden" name="ticket" value="${escapeHtml(options.ticket)}">` +
      `<input type="hidden" name="csrf" value="${escapeHtml(options.csrf)}">` +
      '<label for="password">New password</label>' +
      '<input id="password" name="password" type="password" autocomplete="new-password" required>' +
      '<label for="password_confirmation">Confirm the new password</label>' +
      '<input id="password_confirmation" name="password_confirmation" type="password" autocomplete="new-password" required>' +
      '<button type="submit">Change password</button></form>',
  )
}

const TICKET_ERRORS = {
  unknown: {
    status: 404,
    title: 'Invalid link',
    text: 'This password reset link is not valid. Ask for a new one.',
  },
  expired: {
    status: 410,
    title: 'Link expired',
    text: 'This password reset link has expired. Ask for a new one.',
  },
  used: {
    status: 410,
    title: 'Link already used',
    text: 'This password reset link has already been used. Ask for a new one if you need to.',
  },
} as const

function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(html)
}

function sendTicketError(reply: FastifyReply, kind: keyof typeof TICKET_ERRORS): FastifyReply {
  const { status, title, text } = TICKET_ERRORS[kind]
  return sendPage(reply, status, page(title, `<p class="error">${escapeHtml(text)}</p>`))
}

function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || a === '') return false
  const left = Buffer.from(a, 'utf8')
  const right = Buffer.from(b, 'utf8')
  return left.length === right.length && timingSafeEqual(left, right)
}

function field(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const value = (body as Record<string, unknown>)[name]
  return typeof value === 'string' ? value : undefined
}

/** The reset page: GET shows the form, POST sets the password. */
export const resetPagePlugin: FastifyPluginAsync<ResetPagePluginOptions> = async (app, options) => {
  const deps = options.passwordTickets
  registerBodyParsers(app)
  app.addHook('onSend', async (_request, reply) => {
    void reply.headers(RESET_PAGE_HEADERS)
  })
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500
    if (status >= 500) request.log.error({ err: error, event: 'request.failed' }, 'reset failed')
    const text =
      status === 413
        ? 'The form is too large.'
        : status >= 500
          ? 'Something went wrong. Try again later.'
          : 'The form could not be read.'
    return sendPage(reply, status, page('Error', `<p class="error">${escapeHtml(text)}</p>`))
  })

  const cookieFor = (token: string) =>
    `${CSRF_COOKIE_NAME}=${token}; Path=${RESET_PATH}; Max-Age=${CSRF_COOKIE_MAX_AGE_S}; HttpOnly; SameSite=Strict` +
    (options.secureCookie ? '; Secure' : '')

  app.get(RESET_PATH, { logLevel: 'warn' }, async (request, reply) => {
    const ticket = field(request.query, 'ticket') ?? ''
    const state = await inspectTicket(deps, ticket)
    if (state.kind !== 'valid') return sendTicketError(reply, state.kind)
    const csrf = randomBytes(CSRF_TOKEN_BYTES).toString('base64url')
    void reply.header('set-cookie', cookieFor(csrf))
    return sendPage(reply, 200, formPage({ ticket, csrf, email: state.user.email }))
  })

  app.post(
    RESET_PATH,
    { logLevel: 'warn', bodyLimit: MAX_RESET_FORM_BYTES },
    async (request, reply) => {
      const ticket = field(request.body, 'ticket') ?? ''
      const password = field(request.body, 'password') ?? ''
      const confirmation = field(request.body, 'password_confirmation') ?? ''
      const cookie = readCookie(request, CSRF_COOKIE_NAME)
      if (!sameToken(cookie, field(request.body, 'csrf'))) {
        return sendPage(
          reply,
          403,
          page(
            'Session expired',
            '<p class="error">The form has expired or was not sent from this page. Open the link from your e-mail again.</p>',
          ),
        )
      }
      const state = await inspectTicket(deps, ticket)
      if (state.kind !== 'valid') return sendTicketError(reply, state.kind)
      const again = (error: string, rules?: readonly PasswordRule[]) =>
        sendPage(
          reply,
          400,
          formPage({
            ticket,
            csrf: cookie ?? '',
            email: state.user.email,
            error,
            ...(rules !== undefined ? { rules } : undefined),
          }),
        )
      if (password === '') return again('Enter a new password.')
      if (password !== confirmation) return again('The two passwords do not match.')
      const result = await resetPassword(deps, ticket, password)
      switch (result.kind) {
        case 'weak':
          return again('The password is too weak.', result.check.rules)
        case 'unknown':
        case 'expired':
        case 'used':
          return sendTicketError(reply, result.kind)
        case 'changed': {
          void reply.header(
            'set-cookie',
            `${CSRF_COOKIE_NAME}=; Path=${RESET_PATH}; Max-Age=0; HttpOnly; SameSite=Strict`,
          )
          if (result.resultUrl === undefined) {
            return sendPage(
              reply,
              200,
              page('Password changed', '<p class="ok">Your password has been changed.</p>'),
            )
          }
          // A refresh, not a 303: CSP form-action would block a cross-origin redirect of a POST.
          const target = escapeHtml(result.resultUrl)
          return sendPage(
            reply,
            200,
            page(
              'Password changed',
              `<p class="ok">Your password has been changed.</p><p><a href="${target}">Continue</a></p>`,
              `<meta http-equiv="refresh" content="${RESULT_REDIRECT_DELAY_S};url=${target}">`,
            ),
          )
        }
      }
    },
  )
}
