/**
 * Hands one message to an SMTP relay through nodemailer (docs/dependencies.md): `smtps://` is TLS
 * from the start; on `smtp://` the connection is upgraded with STARTTLS, and when the URL has
 * credentials the upgrade is REQUIRED (`requireTLS`): a relay that does not offer STARTTLS (or a
 * man in the middle that strips it from the EHLO answer) fails the delivery before any credential
 * is sent (security review finding 7). Every wait has a deadline. A leaf module: it imports
 * nothing of openhooks.
 */
import { isIP } from 'node:net'
import { createTransport } from 'nodemailer'

/** Longest wait for the connection, the greeting and each reply of the server, in milliseconds. */
export const SMTP_TIMEOUT_MS = 10_000
/** The setting the relay URL comes from, named in errors about it. */
export const SMTP_URL_SETTING = 'OPENHOOKS_SMTP_URL'
const DEFAULT_SMTP_PORT = 25
const DEFAULT_SMTPS_PORT = 465

export interface SmtpMessage {
  readonly from: string
  readonly to: string
  readonly subject: string
  /** Plain text; line endings are normalised to CRLF. */
  readonly text: string
}

export interface SmtpOptions {
  /** `smtp://user:pass@host:port` or `smtps://…` (implicit TLS). */
  readonly url: string
  readonly timeoutMs?: number
  /** Name sent with EHLO. */
  readonly clientName?: string
  /** Extra TLS options (tests: a private CA). */
  readonly tls?: { readonly ca?: string | Buffer; readonly rejectUnauthorized?: boolean }
}

/** A failed delivery: the step, and the server's reply code when there was one. */
export class SmtpError extends Error {
  override readonly name = 'SmtpError'
  readonly step: string
  readonly replyCode: number | undefined
  constructor(message: string, step: string, replyCode?: number) {
    super(message)
    this.step = step
    this.replyCode = replyCode
  }
}

/** Refuses header injection: an address or subject may not contain CR or LF. */
function singleLine(value: string, what: string): string {
  if (/[\r\n]/.test(value)) throw new TypeError(`The ${what} must be a single line`)
  return value
}

interface Relay {
  readonly host: string
  readonly port: number
  readonly implicitTls: boolean
  readonly auth: { readonly user: string; readonly pass: string } | undefined
}

function parseRelayUrl(text: string): Relay {
  const url = new URL(text)
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new TypeError('The SMTP URL must start with smtp:// or smtps://')
  }
  const implicitTls = url.protocol === 'smtps:'
  const user = decodeURIComponent(url.username)
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || (implicitTls ? DEFAULT_SMTPS_PORT : DEFAULT_SMTP_PORT)),
    implicitTls,
    auth: user === '' ? undefined : { user, pass: decodeURIComponent(url.password) },
  }
}

/** What nodemailer's errors carry besides the message. */
interface NodemailerError extends Error {
  readonly code?: string
  readonly command?: string
  readonly responseCode?: number
  readonly response?: string
}

/** One of nodemailer's errors as an SmtpError that says what to do about it. */
function toSmtpError(error: unknown, relay: Relay, timeoutMs: number): unknown {
  if (!(error instanceof Error)) return error
  const failure = error as NodemailerError
  const step = failure.command ?? 'connect'
  const where = `${relay.host}:${relay.port}`
  if (failure.code === 'ETLS' && failure.command === 'STARTTLS' && failure.response !== undefined) {
    return new SmtpError(
      `The SMTP relay ${where} does not offer STARTTLS, and ${SMTP_URL_SETTING} has credentials: ` +
        'they are sent only over TLS. Use a relay that offers STARTTLS, an smtps:// URL, or no ' +
        'credentials.',
      'STARTTLS',
      failure.responseCode,
    )
  }
  if (failure.code === 'ETIMEDOUT') {
    return new SmtpError(`The SMTP server ${where} did not answer within ${timeoutMs} ms`, step)
  }
  if (failure.code === 'ETLS') {
    return new SmtpError(`TLS with the SMTP server ${where} failed: ${failure.message}`, step)
  }
  if (failure.responseCode !== undefined) {
    return new SmtpError(
      `The SMTP server refused ${step}: ${failure.response ?? failure.responseCode}`,
      step,
      failure.responseCode,
    )
  }
  return new SmtpError(`Could not send through the SMTP server ${where}: ${failure.message}`, step)
}

/** Sends one message; resolves when the server accepted it (250 after DATA). */
export async function sendMail(options: SmtpOptions, message: SmtpMessage): Promise<void> {
  const relay = parseRelayUrl(options.url)
  const from = singleLine(message.from, 'sender')
  const to = singleLine(message.to, 'recipient')
  const subject = singleLine(message.subject, 'subject')
  const timeoutMs = options.timeoutMs ?? SMTP_TIMEOUT_MS
  const transport = createTransport({
    host: relay.host,
    port: relay.port,
    secure: relay.implicitTls,
    // Credentials go only over TLS: STARTTLS is required on smtp:// when there are any.
    requireTLS: !relay.implicitTls && relay.auth !== undefined,
    ...(relay.auth !== undefined ? { auth: { ...relay.auth } } : undefined),
    name: options.clientName ?? 'openhooks',
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
    // SNI only for host names: RFC 6066 forbids IP addresses in `server_name`.
    tls: { ...options.tls, ...(isIP(relay.host) === 0 ? { servername: relay.host } : undefined) },
    // The message is plain text built here: nodemailer never reads a file or a URL for it.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  })
  try {
    await transport.sendMail({ from, to, subject, text: message.text.replace(/\r?\n/g, '\r\n') })
  } catch (error) {
    throw toSmtpError(error, relay, timeoutMs)
  } finally {
    transport.close()
  }
}
