/**
 * The connections of the worker's HTTP client (egress-client.ts): each one opened only to an
 * address the egress policy allows, checked on the address actually connected, and the message
 * for a server certificate the worker does not trust.
 */
import { connect as netConnect, isIP } from 'node:net'
import type { Socket } from 'node:net'
import { connect as tlsConnect, createSecureContext } from 'node:tls'
import type { buildConnector } from 'undici'
import { checkDestination, createCheckedLookup, EgressRefusedError } from './egress.js'
import type { CompiledEgressPolicy } from './egress.js'

/**
 * Opens the connections of the pool (undici calls it once per new connection, never for a reused
 * one). The policy is checked here on the address actually connected: an IP literal before
 * connecting, a name through the checked lookup, so a name that re-resolves elsewhere (DNS
 * rebinding) is caught. A pooled connection is only reused for the same scheme, host and port, the
 * inputs of that decision.
 */
export function createConnector(
  policy: CompiledEgressPolicy,
  ca: readonly string[] | undefined,
  connectTimeoutFor: (origin: string) => number,
): buildConnector.connector {
  // One TLS context for every connection: parsing the roots again per connection costs milliseconds.
  const secureContext = ca !== undefined ? createSecureContext({ ca: [...ca] }) : undefined
  return (options, callback) => {
    const { secure, host, port } = destinationOf(options)
    const literal = isIP(host) !== 0
    if (literal) {
      const reason = checkDestination(policy, host, port, host)
      if (reason !== undefined) {
        callback(new EgressRefusedError(reason), null)
        return
      }
    }
    // The origin as `URL.origin` spells it (undici hands IPv6 hosts over without brackets).
    const connectTimeoutMs = connectTimeoutFor(
      `${options.protocol}//${isIP(host) === 6 ? `[${host}]` : host}${options.port === '' ? '' : `:${options.port}`}`,
    )
    const lookup = createCheckedLookup(policy, host, port)
    const socket: Socket = secure
      ? tlsConnect({
          host,
          port,
          lookup,
          ALPNProtocols: ['http/1.1'],
          ...(literal ? undefined : { servername: host }),
          ...(secureContext !== undefined ? { secureContext } : undefined),
        })
      : netConnect({ host, port, lookup })
    let answered = false
    const onError = (error: Error) => {
      if (answered) return
      answered = true
      socket.destroy()
      callback(error, null)
    }
    // A connection attempt that hangs would hold back the origin's queued requests and a socket.
    socket.setTimeout(connectTimeoutMs, () => {
      onError(
        Object.assign(new Error(`connect timed out after ${connectTimeoutMs} ms`), {
          code: 'ETIMEDOUT',
        }),
      )
    })
    socket.once('error', onError)
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      if (answered) return
      answered = true
      socket.setTimeout(0)
      socket.off('error', onError)
      socket.setNoDelay(true)
      callback(null, socket)
    })
  }
}

/**
 * Where a URL (or undici's connect options, which spell it the same way) leads: the host without
 * IPv6 brackets and the port with the scheme's default filled in, as the policy checks them.
 */
export function destinationOf(target: {
  readonly protocol: string
  readonly hostname: string
  readonly port: string
}): { secure: boolean; host: string; port: number } {
  const secure = target.protocol === 'https:'
  const host = target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname
  return { secure, host, port: target.port === '' ? (secure ? 443 : 80) : Number(target.port) }
}

/**
 * OpenSSL's verification codes that mean "this server's certificate chain is not trusted", with
 * OpenSSL's own words for each. The message says these rather than Node's `error.message`, which
 * varies by line: since Node.js 24 it adds advice about `--use-system-ca`, a setting of the
 * process that does not apply to hooks (their CAs are OPENHOOKS_EGRESS_CA_FILE's).
 */
const UNTRUSTED_CERTIFICATE_REASONS: ReadonlyMap<string, string> = new Map([
  ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'],
  ['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'],
  ['UNABLE_TO_GET_ISSUER_CERT', 'unable to get issuer certificate'],
  ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'unable to get local issuer certificate'],
  ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'],
])

/**
 * A message for a certificate the worker does not trust that says what to do about it; `undefined`
 * for every other error.
 */
export function explainTlsError(error: NodeJS.ErrnoException, host: string): string | undefined {
  const reason =
    error.code === undefined ? undefined : UNTRUSTED_CERTIFICATE_REASONS.get(error.code)
  if (reason === undefined) return undefined
  return `the TLS certificate of ${host} is not trusted (${reason}); add the certificate of its CA to OPENHOOKS_EGRESS_CA_FILE to trust it`
}
