/**
 * The customer's webhook of the token scenario, in its own process as it would be: answers each
 * POST with the result of the same two-claims logic the in-process hook runs. Started by
 * `startWebhookServer` (bench/lib/processes.ts); sends its URL to the parent over IPC.
 */
import { createServer } from 'node:http'
import { twoClaims } from './hooks.js'

const MAX_BODY_BYTES = 64 * 1024

const server = createServer((req, res) => {
  const chunks: Buffer[] = []
  let size = 0
  req.on('data', (chunk: Buffer) => {
    size += chunk.length
    if (size <= MAX_BODY_BYTES) chunks.push(chunk)
  })
  req.on('end', () => {
    if (size > MAX_BODY_BYTES) {
      res.writeHead(413).end()
      return
    }
    try {
      const { args } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { args: unknown[] }
      const body = JSON.stringify(twoClaims(args))
      res.writeHead(200, { 'content-type': 'application/json' }).end(body)
    } catch {
      res.writeHead(400).end()
    }
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  process.send?.({ url: `http://127.0.0.1:${String(address.port)}/hook` })
})
process.on('disconnect', () => {
  server.close()
  server.closeAllConnections()
})
