import type { FastifyInstance } from 'fastify'
import { errorCodes } from 'fastify'
import type { Readable } from 'node:stream'

/**
 * Largest body, in bytes, read and thrown away so that the client of an over-limit request gets
 * its 413 instead of a reset (64 MiB). A larger declared body is answered at once and the
 * connection closed: reading it would cost more than the answer is worth.
 */
export const MAX_DISCARDED_BODY_BYTES = 64 * 1024 * 1024

/** Longest time spent reading and discarding one over-limit body, in milliseconds. */
export const DISCARD_BODY_TIMEOUT_MS = 30_000

/** Reads `stream` to its end, keeping nothing, for at most `timeoutMs` or `capBytes`. */
function discard(stream: Readable, capBytes: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    let received = 0
    const done = () => {
      clearTimeout(timer)
      stream.off('data', onData)
      stream.off('end', done)
      stream.off('error', done)
      stream.off('close', done)
      resolve()
    }
    const onData = (chunk: Buffer) => {
      received += chunk.length
      if (received > capBytes) done()
    }
    const timer = setTimeout(done, timeoutMs)
    stream.on('data', onData)
    stream.once('end', done)
    stream.once('error', done)
    stream.once('close', done)
    stream.resume()
  })
}

/**
 * A request whose `Content-Length` is over its route's body limit gets the route's 413 (each
 * scope's error handler words it, as for any FST_ERR_CTP_BODY_TOO_LARGE) only after its body has
 * been read and thrown away, up to MAX_DISCARDED_BODY_BYTES: answering while the client still
 * sends would close the connection under it, and the client would see EPIPE or a reset instead
 * of the answer. The connection is closed after the answer.
 */
export function answerOversizedBodiesAfterReading(app: FastifyInstance): void {
  app.addHook('preParsing', async (request, reply, payload) => {
    const limit = request.routeOptions.bodyLimit
    const declared = Number(request.headers['content-length'])
    if (!Number.isFinite(declared) || declared <= limit) return payload
    if (declared <= MAX_DISCARDED_BODY_BYTES) {
      await discard(payload, MAX_DISCARDED_BODY_BYTES, DISCARD_BODY_TIMEOUT_MS)
    }
    void reply.header('connection', 'close')
    throw new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE()
  })
}
