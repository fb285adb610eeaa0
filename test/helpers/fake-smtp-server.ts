import { createServer, type Server, type Socket } from 'node:net'
import { TLSSocket } from 'node:tls'

/** How long a test waits for the fake server to receive a message. */
export const MAIL_WAIT_MS = 5_000

export interface ReceivedMail {
  readonly from: string
  readonly to: readonly string[]
  /** The DATA section as sent, dot-stuffed, without the final `.` line. */
  readonly raw: string
  /** The DATA section with the dot-stuffing removed. */
  readonly data: string
}

export interface FakeSmtpOptions {
  /** AUTH mechanisms announced in the EHLO reply; none: no AUTH line. */
  readonly auth?: readonly ('PLAIN' | 'LOGIN')[]
  /** Answer this command (its first word, upper case) with this reply instead. */
  readonly refuse?: { readonly command: string; readonly reply: string }
  /** Never answer this command (first word), or `'greeting'` for no greeting at all. */
  readonly silentOn?: string
  /** Offers STARTTLS with this certificate and key (PEM). */
  readonly tls?: { readonly cert: string; readonly key: string }
}

export interface FakeSmtpServer {
  readonly port: number
  readonly url: (credentials?: string) => string
  /** Every line the client sent, in order. */
  readonly lines: string[]
  readonly messages: ReceivedMail[]
  /** Decoded credentials of AUTH PLAIN / LOGIN. */
  readonly logins: { user: string; pass: string }[]
  waitForMessages(count: number): Promise<ReceivedMail[]>
  close(): Promise<void>
}

const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8')

/** An SMTP server on 127.0.0.1 (port 0) that records the conversation and accepts mail. */
export async function startFakeSmtpServer(options: FakeSmtpOptions = {}): Promise<FakeSmtpServer> {
  const lines: string[] = []
  const messages: ReceivedMail[] = []
  const logins: { user: string; pass: string }[] = []
  const sockets = new Set<Socket>()

  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
    socket.setEncoding('utf8')
    let out: Socket = socket
    const send = (reply: string) => out.write(`${reply}\r\n`)
    let buffer = ''
    let mode: 'command' | 'data' | 'login-user' | 'login-pass' = 'command'
    let from = ''
    let to: string[] = []
    let dataLines: string[] = []
    let loginUser = ''
    if (options.silentOn !== 'greeting') send('220 fake.test ESMTP ready')

    const onLine = (line: string) => {
      lines.push(line)
      if (mode === 'data') {
        if (line === '.') {
          mode = 'command'
          const raw = dataLines.join('\r\n')
          messages.push({
            from,
            to,
            raw,
            data: dataLines.map((l) => (l.startsWith('.') ? l.slice(1) : l)).join('\r\n'),
          })
          dataLines = []
          if (options.refuse?.command === '.') send(options.refuse.reply)
          else send('250 2.0.0 queued')
        } else {
          dataLines.push(line)
        }
        return
      }
      if (mode === 'login-user') {
        loginUser = decode(line)
        mode = 'login-pass'
        send('334 UGFzc3dvcmQ6')
        return
      }
      if (mode === 'login-pass') {
        logins.push({ user: loginUser, pass: decode(line) })
        mode = 'command'
        send('235 2.7.0 authenticated')
        return
      }
      const verb = (line.split(' ')[0] ?? '').toUpperCase()
      if (options.silentOn === verb) return
      if (options.refuse?.command === verb) {
        send(options.refuse.reply)
        return
      }
      switch (verb) {
        case 'EHLO': {
          const auth = options.auth ?? []
          send('250-fake.test greets you')
          send('250-8BITMIME')
          if (auth.length > 0) send(`250-AUTH ${auth.join(' ')}`)
          if (options.tls !== undefined && out === socket) send('250-STARTTLS')
          send('250 SIZE 1000000')
          return
        }
        case 'AUTH': {
          const [, mechanism, initial] = line.split(' ')
          if (mechanism?.toUpperCase() === 'PLAIN' && initial !== undefined) {
            const [, user = '', pass = ''] = decode(initial).split('\0')
            logins.push({ user, pass })
            send('235 2.7.0 authenticated')
          } else if (mechanism?.toUpperCase() === 'LOGIN') {
            mode = 'login-user'
            send('334 VXNlcm5hbWU6')
          } else {
            send('504 5.5.4 unrecognised mechanism')
          }
          return
        }
        case 'MAIL':
          from = line.replace(/^MAIL FROM:<(.*)>.*$/i, '$1')
          to = []
          send('250 2.1.0 ok')
          return
        case 'RCPT':
          to.push(line.replace(/^RCPT TO:<(.*)>.*$/i, '$1'))
          send('250 2.1.5 ok')
          return
        case 'DATA':
          mode = 'data'
          send('354 end with <CRLF>.<CRLF>')
          return
        case 'STARTTLS': {
          if (options.tls === undefined) {
            send('502 5.5.2 command not recognised')
            return
          }
          send('220 2.0.0 ready to start TLS')
          socket.removeAllListeners('data')
          const secure = new TLSSocket(socket, {
            isServer: true,
            cert: options.tls.cert,
            key: options.tls.key,
          })
          secure.on('error', () => undefined)
          secure.setEncoding('utf8')
          secure.on('data', onData)
          buffer = ''
          out = secure
          return
        }
        case 'QUIT':
          send('221 2.0.0 bye')
          socket.end()
          return
        default:
          send('502 5.5.2 command not recognised')
      }
    }

    const onData = (chunk: string) => {
      buffer += chunk
      for (;;) {
        const end = buffer.indexOf('\r\n')
        if (end < 0) break
        const line = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        onLine(line)
      }
    }
    socket.on('data', onData)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  const port = address.port

  return {
    port,
    url: (credentials) =>
      `smtp://${credentials !== undefined ? `${credentials}@` : ''}127.0.0.1:${port}`,
    lines,
    messages,
    logins,
    async waitForMessages(count) {
      const deadline = Date.now() + MAIL_WAIT_MS
      while (messages.length < count) {
        if (Date.now() > deadline) {
          throw new Error(`fewer than ${count} messages within ${MAIL_WAIT_MS} ms`)
        }
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      return messages
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => {
          resolve()
        })
      }),
  }
}

/**
 * The text body of a received message, decoded as a mail reader would: the headers dropped and
 * quoted-printable or base64 transfer encoding undone (nodemailer picks quoted-printable for
 * lines longer than 76 characters).
 */
export function mailText(mail: ReceivedMail): string {
  const split = mail.data.indexOf('\r\n\r\n')
  const headers = split < 0 ? '' : mail.data.slice(0, split)
  const body = split < 0 ? mail.data : mail.data.slice(split + 4)
  const encoding = /^Content-Transfer-Encoding:\s*(\S+)/im.exec(headers)?.[1]?.toLowerCase()
  if (encoding === 'base64') return Buffer.from(body, 'base64').toString('utf8')
  if (encoding !== 'quoted-printable') return body
  const bytes = body
    .replace(/=\r\n/g, '')
    .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
  return Buffer.from(bytes, 'latin1').toString('utf8')
}
