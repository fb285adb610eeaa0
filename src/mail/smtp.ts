/**
 * A minimal SMTP client (RFC 5321) over `node:net`/`node:tls`, enough to hand one message to a
 * relay: EHLO, STARTTLS when the relay offers it on an `smtp://` URL, AUTH PLAIN or LOGIN when the
 * URL has credentials, MAIL FROM, RCPT TO, DATA with dot-stuffing, QUIT. Every step has a deadline.
 * A leaf module: it imports nothing of openhooks.
 */
import { randomUUID } from 'node:crypto'
import { isIP, connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect, type TLSSocket } from 'node:tls'

/** Longest wait for the connection and for each reply of the server, in milliseconds. */
export const SMTP_TIMEOUT_MS = 10_000
/** Longest reply accepted from the server, in bytes (a guard against a runaway peer). */
export const MAX_SMTP_REPLY_BYTES = 64 * 1024
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

interface Reply {
  readonly code: number
  readonly lines: readonly string[]
}

/** Reads CRLF-terminated SMTP replies (multi-line `250-…` up to `250 …`) from a socket. */
class ReplyReader {
  #buffer = ''
  #waiter: (() => void) | undefined
  #error: Error | undefined
  #socket: Socket | TLSSocket

  constructor(socket: Socket | TLSSocket) {
    this.#socket = socket
    this.#attach(socket)
  }

  #attach(socket: Socket | TLSSocket): void {
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk
      if (this.#buffer.length > MAX_SMTP_REPLY_BYTES) {
        this.#fail(new SmtpError('The SMTP server sent an over-long reply', 'read'))
        socket.destroy()
      }
      this.#wake()
    })
    socket.on('error', (error: Error) => {
      this.#fail(error)
    })
    socket.on('close', () => {
      this.#fail(new SmtpError('The SMTP server closed the connection', 'read'))
    })
  }

  /** After STARTTLS: read from the TLS socket instead. */
  switchTo(socket: TLSSocket): void {
    this.#socket.removeAllListeners('data')
    this.#socket.removeAllListeners('close')
    this.#socket = socket
    this.#buffer = ''
    this.#attach(socket)
  }

  #fail(error: Error): void {
    this.#error ??= error
    this.#wake()
  }

  #wake(): void {
    const waiter = this.#waiter
    this.#waiter = undefined
    waiter?.()
  }

  #takeReply(): Reply | undefined {
    const lines: string[] = []
    let rest = this.#buffer
    for (;;) {
      const end = rest.indexOf('\r\n')
      if (end < 0) return undefined
      const line = rest.slice(0, end)
      rest = rest.slice(end + 2)
      lines.push(line.slice(4))
      if (line.charAt(3) !== '-') {
        this.#buffer = rest
        return { code: Number(line.slice(0, 3)), lines }
      }
    }
  }

  async read(step: string, timeoutMs: number): Promise<Reply> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const reply = this.#takeReply()
      if (reply !== undefined) {
        if (!Number.isInteger(reply.code)) {
          throw new SmtpError('The SMTP server sent a malformed reply', step)
        }
        return reply
      }
      if (this.#error !== undefined) {
        throw this.#error instanceof SmtpError
          ? new SmtpError(this.#error.message, step)
          : new SmtpError(`SMTP connection failed: ${this.#error.message}`, step)
      }
      const left = deadline - Date.now()
      if (left <= 0) {
        throw new SmtpError(`The SMTP server did not answer within ${timeoutMs} ms`, step)
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#waiter = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      this.#waiter = undefined
    }
  }
}

/** Lines starting with a dot get another one (RFC 5321 §4.5.2); CRLF line endings. */
export function dotStuff(text: string): string {
  return text
    .replace(/\r?\n/g, '\r\n')
    .split('\r\n')
    .map((line) => (line.startsWith('.') ? `.${line}` : line))
    .join('\r\n')
}

/** Refuses header injection: an address or subject may not contain CR or LF. */
function singleLine(value: string, what: string): string {
  if (/[\r\n]/.test(value)) throw new TypeError(`The ${what} must be a single line`)
  return value
}

function formatMessage(message: SmtpMessage, date: Date, host: string): string {
  const subject = singleLine(message.subject, 'subject')
  const encodedSubject = /^[\x20-\x7e]*$/.test(subject)
    ? subject
    : `=?UTF-8?B?${Buffer.from(subject, 'utf8').toString('base64')}?=`
  return [
    `From: ${message.from}`,
    `To: ${message.to}`,
    `Subject: ${encodedSubject}`,
    `Date: ${date.toUTCString()}`,
    `Message-ID: <${randomUUID()}@${host}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    dotStuff(message.text),
  ].join('\r\n')
}

/** SNI only for host names: RFC 6066 forbids IP addresses in `server_name`. */
function serverName(host: string): { servername?: string } {
  return isIP(host) === 0 ? { servername: host } : {}
}

function openSocket(
  url: URL,
  options: SmtpOptions,
  timeoutMs: number,
): Promise<Socket | TLSSocket> {
  const implicitTls = url.protocol === 'smtps:'
  const port = Number(url.port || (implicitTls ? DEFAULT_SMTPS_PORT : DEFAULT_SMTP_PORT))
  const host = url.hostname.replace(/^\[|\]$/g, '')
  return new Promise((resolve, reject) => {
    const socket = implicitTls
      ? tlsConnect({ host, port, ...serverName(host), ...options.tls })
      : netConnect({ host, port })
    const timer = setTimeout(() => {
      socket.destroy()
      reject(
        new SmtpError(`Could not connect to the SMTP server within ${timeoutMs} ms`, 'connect'),
      )
    }, timeoutMs)
    socket.once(implicitTls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer)
      socket.removeAllListeners('error')
      resolve(socket)
    })
    socket.once('error', (error: Error) => {
      clearTimeout(timer)
      reject(new SmtpError(`Could not connect to the SMTP server: ${error.message}`, 'connect'))
    })
  })
}

function upgradeToTls(
  socket: Socket,
  host: string,
  options: SmtpOptions,
  timeoutMs: number,
): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = tlsConnect({ socket, host, ...serverName(host), ...options.tls })
    const timer = setTimeout(() => {
      secure.destroy()
      reject(new SmtpError(`The TLS handshake did not finish within ${timeoutMs} ms`, 'starttls'))
    }, timeoutMs)
    secure.once('secureConnect', () => {
      clearTimeout(timer)
      secure.removeAllListeners('error')
      resolve(secure)
    })
    secure.once('error', (error: Error) => {
      clearTimeout(timer)
      reject(new SmtpError(`STARTTLS failed: ${error.message}`, 'starttls'))
    })
  })
}

/** Sends one message; resolves when the server accepted it (250 after DATA). */
export async function sendMail(options: SmtpOptions, message: SmtpMessage): Promise<void> {
  const url = new URL(options.url)
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new TypeError('The SMTP URL must start with smtp:// or smtps://')
  }
  const from = singleLine(message.from, 'sender')
  const to = singleLine(message.to, 'recipient')
  singleLine(message.subject, 'subject')
  const timeoutMs = options.timeoutMs ?? SMTP_TIMEOUT_MS
  const clientName = options.clientName ?? 'openhooks'
  const user = decodeURIComponent(url.username)
  const pass = decodeURIComponent(url.password)
  const host = url.hostname.replace(/^\[|\]$/g, '')

  let socket = await openSocket(url, options, timeoutMs)
  const reader = new ReplyReader(socket)
  socket.on('error', () => undefined)
  const write = (line: string) => {
    socket.write(`${line}\r\n`)
  }
  const expect = async (step: string, codes: readonly number[]): Promise<Reply> => {
    const reply = await reader.read(step, timeoutMs)
    if (!codes.includes(reply.code)) {
      throw new SmtpError(
        `The SMTP server refused ${step}: ${reply.code} ${reply.lines.join(' ')}`,
        step,
        reply.code,
      )
    }
    return reply
  }
  const command = async (step: string, line: string, codes: readonly number[]) => {
    write(line)
    return expect(step, codes)
  }

  try {
    await expect('greeting', [220])
    let ehlo = await command('EHLO', `EHLO ${clientName}`, [250])
    const offers = (keyword: string) =>
      ehlo.lines.some((line) => line.toUpperCase().split(' ')[0] === keyword)
    if (url.protocol === 'smtp:' && offers('STARTTLS')) {
      await command('STARTTLS', 'STARTTLS', [220])
      const secure = await upgradeToTls(socket, host, options, timeoutMs)
      reader.switchTo(secure)
      secure.on('error', () => undefined)
      socket = secure
      ehlo = await command('EHLO', `EHLO ${clientName}`, [250])
    }
    if (user !== '') {
      const auth = ehlo.lines.find((line) => line.toUpperCase().startsWith('AUTH'))
      const methods = auth?.toUpperCase().split(/[ =]/).slice(1) ?? []
      if (methods.includes('PLAIN') || !methods.includes('LOGIN')) {
        const token = Buffer.from(`\0${user}\0${pass}`, 'utf8').toString('base64')
        await command('AUTH', `AUTH PLAIN ${token}`, [235])
      } else {
        await command('AUTH', 'AUTH LOGIN', [334])
        await command('AUTH', Buffer.from(user, 'utf8').toString('base64'), [334])
        await command('AUTH', Buffer.from(pass, 'utf8').toString('base64'), [235])
      }
    }
    await command('MAIL FROM', `MAIL FROM:<${from}>`, [250])
    await command('RCPT TO', `RCPT TO:<${to}>`, [250, 251])
    await command('DATA', 'DATA', [354])
    const body = formatMessage(message, new Date(), host)
    await command('DATA', `${body}\r\n.`, [250])
    write('QUIT')
    // The message is accepted; a missing 221 does not undo that.
    await expect('QUIT', [221]).catch(() => undefined)
  } finally {
    socket.destroy()
  }
}
