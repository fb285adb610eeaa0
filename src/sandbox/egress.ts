/**
 * The egress policy of hook scripts (issue 9, docs/egress.md): which destinations a hook's `fetch`,
 * `http`/`https` and `request` may reach. Every outbound request is made by the worker process on
 * the isolate's behalf (`egress-client.ts`); this module decides, from data only, whether an
 * address may be connected to. It knows nothing of configuration: the server hands the policy to
 * the runner, which hands it to each worker.
 *
 * The check is applied to the address actually connected (through a `lookup` wrapper, so a name
 * that resolves to a private address is refused at connect time and DNS rebinding gains nothing)
 * and again on every redirect.
 */
import { lookup as dnsLookup } from 'node:dns'
import type { LookupAddress, LookupAllOptions, LookupOneOptions } from 'node:dns'
import { isIP } from 'node:net'

/** Per-request timeout (also capped by the time left before the call's deadline). */
export const DEFAULT_EGRESS_REQUEST_TIMEOUT_MS = 10_000

/** Largest response body a hook may receive, in bytes; a larger one fails the request. */
export const DEFAULT_EGRESS_MAX_RESPONSE_BYTES = 5 * 1024 * 1024

/** Largest request body a hook may send, in bytes. */
export const MAX_EGRESS_REQUEST_BODY_BYTES = 5 * 1024 * 1024

/** Outbound requests one call may start (redirects followed count once). */
export const DEFAULT_EGRESS_MAX_REQUESTS_PER_CALL = 20

/** Redirects followed for one request before it fails (the fetch standard allows 20). */
export const DEFAULT_EGRESS_MAX_REDIRECTS = 10

/** Requests of one call in flight at the same time. */
export const MAX_EGRESS_CONCURRENT_REQUESTS_PER_CALL = 10

/**
 * - `public`: any public address; loopback, private, link-local, multicast, reserved and cloud
 *   metadata addresses only when listed in `allow`.
 * - `allowlist`: only the destinations listed in `allow`.
 * - `none`: no outbound request at all.
 */
export type EgressMode = 'public' | 'allowlist' | 'none'

export const EGRESS_MODES: readonly EgressMode[] = ['public', 'allowlist', 'none']

export interface EgressPolicy {
  readonly mode: EgressMode
  /** `host:port` entries (`[v6]:port` for IPv6 literals). A name matches the requested host. */
  readonly allow: readonly string[]
  /** Default {@link DEFAULT_EGRESS_REQUEST_TIMEOUT_MS}. */
  readonly requestTimeoutMs?: number
  /** Default {@link DEFAULT_EGRESS_MAX_RESPONSE_BYTES}. */
  readonly maxResponseBytes?: number
  /** Default {@link DEFAULT_EGRESS_MAX_REQUESTS_PER_CALL}. */
  readonly maxRequestsPerCall?: number
  /** Redirects followed per request, 0 or more; default {@link DEFAULT_EGRESS_MAX_REDIRECTS}. */
  readonly maxRedirects?: number
  /**
   * PEM certificates trusted for HTTPS in addition to Node's bundled roots (a private CA, or the
   * throwaway certificate of a test server).
   */
  readonly extraCaPem?: readonly string[]
}

/** Nothing is reachable: the runner's default when it is given no policy. */
export const NO_EGRESS: EgressPolicy = Object.freeze({ mode: 'allowlist', allow: [] })

export interface AllowEntry {
  /** Lower-case name, dotted IPv4, or canonical IPv6 (without brackets). */
  readonly host: string
  readonly port: number
}

/** Parses `host:port` or `[v6]:port`; a string describing the problem otherwise. */
export function parseAllowEntry(entry: string): AllowEntry | string {
  const text = entry.trim()
  const bracketed = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(text)
  const plain = /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(text)
  const match = bracketed ?? plain
  if (match === null) return `"${entry}" is not host:port (use [addr]:port for IPv6)`
  const port = Number(match[2])
  if (port < 1 || port > 65_535) return `"${entry}" has a port outside 1–65535`
  const rawHost = (match[1] ?? '').toLowerCase()
  if (bracketed !== null) {
    const canonical = canonicalIp(rawHost)
    if (canonical === undefined || isIP(canonical) !== 6) return `"${entry}" is not an IPv6 address`
    return { host: canonical, port }
  }
  return { host: canonicalIp(rawHost) ?? rawHost.replace(/\.$/, ''), port }
}

/** Why an address is not public; `public` when it is. */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'metadata'
  | 'multicast'
  | 'unspecified'
  | 'reserved'

/** The 16 bytes of an IPv6 address, or the 4 of an IPv4 one. */
function parseBytes(address: string): number[] | undefined {
  const family = isIP(address)
  if (family === 4) return address.split('.').map(Number)
  if (family !== 6) return undefined
  let text = address.toLowerCase()
  const zone = text.indexOf('%')
  if (zone >= 0) text = text.slice(0, zone)
  let tail: number[] = []
  const lastColon = text.lastIndexOf(':')
  const lastPart = text.slice(lastColon + 1)
  if (lastPart.includes('.')) {
    tail = lastPart.split('.').map(Number)
    text = text.slice(0, lastColon + 1) + '0:0'
  }
  const [head = '', rest] = text.split('::')
  const toGroups = (part: string) =>
    part === '' ? [] : part.split(':').map((g) => parseInt(g, 16))
  const headGroups = toGroups(head)
  const restGroups = rest === undefined ? [] : toGroups(rest)
  const fill = 8 - headGroups.length - restGroups.length
  const groups = [...headGroups, ...new Array<number>(Math.max(0, fill)).fill(0), ...restGroups]
  const bytes: number[] = []
  for (const group of groups) bytes.push(group >> 8, group & 0xff)
  if (tail.length === 4) bytes.splice(12, 4, ...tail)
  return bytes
}

/** Dotted IPv4 or compressed lower-case IPv6 for an IP literal; `undefined` for a name. */
export function canonicalIp(address: string): string | undefined {
  const bytes = parseBytes(address)
  if (bytes === undefined) return undefined
  if (bytes.length === 4) return bytes.join('.')
  // Let Node's WHATWG URL parser compress it.
  const hex: string[] = []
  for (let i = 0; i < 16; i += 2)
    hex.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16))
  return new URL(`http://[${hex.join(':')}]/`).hostname.slice(1, -1)
}

function classifyV4(b: readonly number[]): AddressClass {
  const [a = 0, c = 0, d = 0, e = 0] = b
  if (a === 169 && c === 254 && d === 169 && e === 254) return 'metadata'
  if (a === 0) return 'unspecified'
  if (a === 127) return 'loopback'
  if (a === 10) return 'private'
  if (a === 172 && c >= 16 && c <= 31) return 'private'
  if (a === 192 && c === 168) return 'private'
  if (a === 100 && c >= 64 && c <= 127) return 'private' // carrier-grade NAT, 100.64/10
  if (a === 169 && c === 254) return 'link-local'
  if (a >= 224 && a <= 239) return 'multicast'
  if (a >= 240) return 'reserved' // 240/4 and the broadcast address
  if (a === 192 && c === 0 && d === 0) return 'reserved' // 192.0.0/24, IETF protocol assignments
  if (a === 198 && (c === 18 || c === 19)) return 'reserved' // benchmarking, 198.18/15
  return 'public'
}

/**
 * Classifies an IP literal (IPv4, IPv6, IPv4-mapped, IPv4-translated or NAT64/6to4 forms of IPv4). Anything that is
 * not an IP literal is `reserved`, so that a caller that passes a name is refused, not waved through.
 */
export function classifyAddress(address: string): AddressClass {
  const bytes = parseBytes(address)
  if (bytes === undefined) return 'reserved'
  if (bytes.length === 4) return classifyV4(bytes)
  const word = (i: number) => ((bytes[i * 2] ?? 0) << 8) | (bytes[i * 2 + 1] ?? 0)
  const zeroUpTo = (n: number) => bytes.slice(0, n).every((x) => x === 0)
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated): the IPv4 rules apply.
  if (zeroUpTo(10) && word(5) === 0xffff) return classifyV4(bytes.slice(12))
  // ::ffff:0:a.b.c.d (IPv4-translated, ::ffff:0:0/96, RFC 2765): the IPv4 rules apply too.
  if (zeroUpTo(8) && word(4) === 0xffff && word(5) === 0) return classifyV4(bytes.slice(12))
  if (zeroUpTo(15)) return bytes[15] === 1 ? 'loopback' : 'unspecified'
  if (zeroUpTo(12)) return classifyV4(bytes.slice(12))
  // 64:ff9b::/96 (NAT64) embeds an IPv4 address in its last 32 bits; 2002::/16 (6to4) in bits 16–48.
  if (word(0) === 0x64 && word(1) === 0xff9b && bytes.slice(4, 12).every((x) => x === 0)) {
    return classifyV4(bytes.slice(12))
  }
  if (word(0) === 0x2002) return classifyV4(bytes.slice(2, 6))
  if (word(0) === 0xfd00 && word(1) === 0x0ec2 && bytes.slice(4, 14).every((x) => x === 0)) {
    if (word(7) === 0x254) return 'metadata' // AWS's fd00:ec2::254
  }
  const first = bytes[0] ?? 0
  const second = bytes[1] ?? 0
  if ((first & 0xfe) === 0xfc) return 'private' // fc00::/7, unique local
  if (first === 0xfe && (second & 0xc0) === 0x80) return 'link-local' // fe80::/10
  if (first === 0xfe && (second & 0xc0) === 0xc0) return 'private' // fec0::/10, old site-local
  if (first === 0xff) return 'multicast'
  if (word(0) === 0x2001 && word(1) === 0x0db8) return 'reserved' // documentation
  if (word(0) === 0x0100 && bytes.slice(2, 8).every((x) => x === 0)) return 'reserved' // discard
  return 'public'
}

/** A destination the policy refused; `message` is what the hook sees and what the log records. */
export class EgressRefusedError extends Error {
  override readonly name = 'EgressRefusedError'
  readonly code = 'EGRESS_REFUSED'
}

/** The parsed form of a policy, built once per worker. */
export interface CompiledEgressPolicy {
  readonly mode: EgressMode
  readonly allow: readonly AllowEntry[]
  readonly requestTimeoutMs: number
  readonly maxResponseBytes: number
  readonly maxRequestsPerCall: number
  readonly maxRedirects: number
  readonly extraCaPem: readonly string[]
}

/** Validates a policy; throws a TypeError naming every bad entry. */
export function compileEgressPolicy(policy: EgressPolicy): CompiledEgressPolicy {
  if (!EGRESS_MODES.includes(policy.mode)) {
    throw new TypeError(`egress mode must be one of ${EGRESS_MODES.join(', ')}`)
  }
  const allow: AllowEntry[] = []
  const problems: string[] = []
  for (const entry of policy.allow) {
    const parsed = parseAllowEntry(entry)
    if (typeof parsed === 'string') problems.push(parsed)
    else allow.push(parsed)
  }
  if (problems.length > 0) throw new TypeError(`egress allow list: ${problems.join('; ')}`)
  const positive = (name: string, value: number | undefined, fallback: number) => {
    const v = value ?? fallback
    if (!Number.isSafeInteger(v) || v < 1)
      throw new TypeError(`egress ${name} must be a positive integer`)
    return v
  }
  const nonNegative = (name: string, value: number | undefined, fallback: number) => {
    const v = value ?? fallback
    if (!Number.isSafeInteger(v) || v < 0)
      throw new TypeError(`egress ${name} must be a non-negative integer`)
    return v
  }
  return {
    mode: policy.mode,
    allow,
    requestTimeoutMs: positive(
      'requestTimeoutMs',
      policy.requestTimeoutMs,
      DEFAULT_EGRESS_REQUEST_TIMEOUT_MS,
    ),
    maxResponseBytes: positive(
      'maxResponseBytes',
      policy.maxResponseBytes,
      DEFAULT_EGRESS_MAX_RESPONSE_BYTES,
    ),
    maxRequestsPerCall: positive(
      'maxRequestsPerCall',
      policy.maxRequestsPerCall,
      DEFAULT_EGRESS_MAX_REQUESTS_PER_CALL,
    ),
    maxRedirects: nonNegative('maxRedirects', policy.maxRedirects, DEFAULT_EGRESS_MAX_REDIRECTS),
    extraCaPem: policy.extraCaPem ?? [],
  }
}

function hostKey(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  return canonicalIp(bare) ?? bare.toLowerCase().replace(/\.$/, '')
}

/** Whether `host` (as requested) or `address` (as connected) is listed with `port`. */
export function isListed(
  policy: CompiledEgressPolicy,
  host: string,
  port: number,
  address?: string,
): boolean {
  const requested = hostKey(host)
  const connected = address === undefined ? undefined : canonicalIp(address)
  return policy.allow.some(
    (entry) => entry.port === port && (entry.host === requested || entry.host === connected),
  )
}

/**
 * Decides whether a connection to `address` (an IP literal), made for the requested `host` and
 * `port`, is allowed. Returns `undefined` when it is, else the reason.
 */
export function checkDestination(
  policy: CompiledEgressPolicy,
  host: string,
  port: number,
  address: string,
): string | undefined {
  const where = `${host}:${port}`
  const shown = canonicalIp(address) ?? address
  switch (policy.mode) {
    case 'none':
      return `outbound requests are disabled (OPENHOOKS_EGRESS=none); refused ${where}`
    case 'allowlist':
      return isListed(policy, host, port, address)
        ? undefined
        : `${where} (${shown}) is not in OPENHOOKS_EGRESS_ALLOW (OPENHOOKS_EGRESS=allowlist)`
    case 'public': {
      if (isListed(policy, host, port, address)) return undefined
      const kind = classifyAddress(address)
      return kind === 'public'
        ? undefined
        : `${where} resolves to a ${kind} address (${shown}); add it to OPENHOOKS_EGRESS_ALLOW to allow it`
    }
  }
}

/**
 * Decides, before any DNS lookup, whether a request for the name `host` on `port` can be allowed at
 * all, so a name the policy will refuse is never sent to a resolver (issue 18). `none` refuses
 * everything. `allowlist` refuses a name that is not listed, unless an IP-address entry exists for
 * that port: the name could resolve to it, and only the lookup can tell. `public` needs the address.
 * Returns the reason of a refusal, or `undefined` when the lookup may go ahead.
 */
export function checkRequestedName(
  policy: CompiledEgressPolicy,
  host: string,
  port: number,
): string | undefined {
  const where = `${host}:${port}`
  switch (policy.mode) {
    case 'none':
      return `outbound requests are disabled (OPENHOOKS_EGRESS=none); refused ${where}`
    case 'allowlist': {
      if (isListed(policy, host, port)) return undefined
      const addressEntryForPort = policy.allow.some(
        (entry) => entry.port === port && isIP(entry.host) !== 0,
      )
      return addressEntryForPort ? undefined : notListed(where)
    }
    case 'public':
      return undefined
  }
}

function notListed(where: string): string {
  return `${where} is not in OPENHOOKS_EGRESS_ALLOW (OPENHOOKS_EGRESS=allowlist)`
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void

/** The resolver `createCheckedLookup` wraps; tests pass a fake one. */
export type BaseLookup = (
  hostname: string,
  options: LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void

const systemLookup: BaseLookup = (hostname, options, callback) => {
  dnsLookup(hostname, options, callback)
}

/**
 * A `lookup` for `net.connect` / `http.request` that refuses a name the policy cannot allow before
 * resolving it ({@link checkRequestedName}), then resolves the name, keeps only the addresses
 * the policy allows for (`host`, `port`), and fails with {@link EgressRefusedError} when none is
 * left. The socket then connects to an address that was checked, never to a second resolution.
 */
export function createCheckedLookup(
  policy: CompiledEgressPolicy,
  host: string,
  port: number,
  base: BaseLookup = systemLookup,
) {
  return (
    hostname: string,
    options: LookupOneOptions | LookupAllOptions,
    callback: LookupCallback,
  ): void => {
    const early = checkRequestedName(policy, host, port)
    if (early !== undefined) {
      callback(new EgressRefusedError(early), [])
      return
    }
    base(hostname, { ...options, all: true }, (error, addresses) => {
      if (error !== null) {
        // Under `allowlist` an unlisted name was resolved only to compare it with the listed
        // addresses; a name that does not resolve matches none of them, so it is refused the same way.
        const unlisted = policy.mode === 'allowlist' && !isListed(policy, host, port)
        callback(unlisted ? new EgressRefusedError(notListed(`${host}:${port}`)) : error, [])
        return
      }
      let reason: string | undefined
      const allowed = addresses.filter((entry) => {
        const problem = checkDestination(policy, host, port, entry.address)
        reason ??= problem
        return problem === undefined
      })
      const first = allowed[0]
      if (first === undefined) {
        callback(new EgressRefusedError(reason ?? `${host} did not resolve`), [])
        return
      }
      if (options.all === true) callback(null, allowed)
      else callback(null, first.address, first.family)
    })
  }
}
