import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Largest message body the sink accepts, in bytes. */
const MAX_SINK_BODY_BYTES = 16 * 1024

/** One text message as a hook delivered it. */
export interface SinkMessage {
  readonly to: string
  readonly text: string
}

export interface SmsSink {
  /** `127.0.0.1:<port>`, for the egress allow-list. */
  readonly hostPort: string
  /** Where hooks POST `{to, text}` as JSON. */
  readonly url: string
  readonly messages: SinkMessage[]
  /** When set, the sink answers this status instead of 201 (a failing provider). */
  failWith: number | undefined
  close(): Promise<void>
}

/**
 * A stand-in SMS provider on loopback for tests: `POST /messages` with `{to, text}` stores the
 * message and answers 201 `{id}`. Nothing else is served.
 */
export async function startSmsSink(): Promise<SmsSink> {
  const messages: SinkMessage[] = []
  const sink: { failWith: number | undefined } = { failWith: undefined }
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = ''
    let tooLarge = false
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => {
      body += chunk
      if (body.length > MAX_SINK_BODY_BYTES) tooLarge = true
    })
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/messages' || tooLarge) {
        res.writeHead(tooLarge ? 413 : 404).end()
        return
      }
      if (sink.failWith !== undefined) {
        res.writeHead(sink.failWith).end('provider unavailable')
        return
      }
      try {
        const parsed = JSON.parse(body) as { to?: unknown; text?: unknown }
        if (typeof parsed.to !== 'string' || typeof parsed.text !== 'string') throw new Error()
        messages.push({ to: parsed.to, text: parsed.text })
        res.writeHead(201, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ id: `msg-${messages.length}` }))
      } catch {
        res.writeHead(400).end('expected {"to": string, "text": string}')
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    hostPort: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/messages`,
    messages,
    get failWith() {
      return sink.failWith
    },
    set failWith(status: number | undefined) {
      sink.failWith = status
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error === undefined ? resolve() : reject(error)))
      }),
  }
}
