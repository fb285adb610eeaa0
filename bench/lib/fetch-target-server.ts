/**
 * The upstream of the runtime bench's fetch case, in its own process as a real API would be:
 * answers every request with the body the parent sent it. Started by `startFetchTargetServer`
 * (bench/lib/processes.ts): it receives `{ body }` over IPC and answers with its URL.
 */
import { createServer } from 'node:http'

process.once('message', (message: { body: string }) => {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(message.body)
  })
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1', () => {
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('no TCP address')
    process.send?.({ url: `http://127.0.0.1:${String(address.port)}/data`, port: address.port })
  })
  process.on('disconnect', () => {
    server.close()
    server.closeAllConnections()
  })
})
