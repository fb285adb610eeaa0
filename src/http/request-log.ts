/**
 * The server log's lines about requests: one line per request at `info`, written when the
 * response is sent, with the request (method, URL, host, address), the status and the time.
 * Fastify's own controller writes two (`incoming request` and `request completed`); the first
 * says nothing the second does not, except for a request still running, so it is kept at `debug`.
 * On the token endpoint each line costs a serialisation, a redaction pass and a write system call
 * (docs/performance.md, issue 23).
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'

export class RequestLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    // Below `debug` pino's method is a no-op: nothing is serialised.
    if (this.isLogDisabled(request)) return
    request.log.debug({ req: request }, 'incoming request')
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return
    const line = { req: request, res: reply, responseTime: reply.elapsedTime }
    if (error !== null && error !== undefined) {
      reply.log.error({ ...line, err: error }, 'request errored')
    } else {
      reply.log.info(line, 'request completed')
    }
  }
}
