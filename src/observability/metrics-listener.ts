import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Metrics } from './metrics.js'

/** Longest a scrape may take on the metrics listener, in milliseconds. */
export const METRICS_REQUEST_TIMEOUT_MS = 10_000

export interface MetricsListener {
  readonly url: string
  close(): Promise<void>
}

/**
 * The separate metrics listener (`OPENHOOKS_METRICS_PORT`): `GET /metrics` only, no token, bound
 * to `host` (loopback by default) so that it is never exposed with the public API by accident.
 */
export async function startMetricsListener(
  metrics: Metrics,
  options: { readonly port: number; readonly host: string },
): Promise<MetricsListener> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?', 1)[0]
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not Found\n')
      return
    }
    metrics.text().then(
      (text) => {
        response.writeHead(200, { 'content-type': metrics.contentType })
        response.end(request.method === 'HEAD' ? undefined : text)
      },
      () => {
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
        response.end('metrics could not be collected\n')
      },
    )
  })
  server.requestTimeout = METRICS_REQUEST_TIMEOUT_MS
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    url: `http://${host}:${address.port}/metrics`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
