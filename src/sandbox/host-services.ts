/**
 * Synchronous services the worker computes for the isolate (`$4 service(op, a, b, c)` in
 * isolate/host.ts): URL parsing with Node's WHATWG parser, random bytes, hashes and HMACs.
 * Arguments and answers are primitives, except the input of a hash or HMAC, which arrives as a
 * Uint8Array (copied by isolated-vm); bytes that are answers travel as latin1 strings. Every
 * input is bounded by a named limit; a bad or oversized input answers a string starting with
 * `error:`, which the isolate turns into an exception.
 */
import { createHash, createHmac, getHashes, randomBytes } from 'node:crypto'

import { MAX_CRYPTO_INPUT_BYTES, MAX_RANDOM_BYTES } from './isolate/limits.js'

export { MAX_CRYPTO_INPUT_BYTES, MAX_RANDOM_BYTES }

/** Longest URL the parser accepts, in characters. */
export const MAX_URL_CHARS = 64 * 1024

const URL_FIELDS = [
  'href',
  'origin',
  'protocol',
  'username',
  'password',
  'host',
  'hostname',
  'port',
  'pathname',
  'search',
  'hash',
] as const
type UrlField = (typeof URL_FIELDS)[number]
const SETTABLE: ReadonlySet<string> = new Set<UrlField>(URL_FIELDS.filter((f) => f !== 'origin'))

const HASHES: ReadonlySet<string> = new Set(getHashes().map((h) => h.toLowerCase()))

function urlRecord(url: URL): string {
  const record: Record<string, string> = {}
  for (const field of URL_FIELDS) record[field] = url[field]
  return JSON.stringify(record)
}

function parseUrl(input: string, base?: string): URL | null {
  try {
    return new URL(input, base)
  } catch {
    return null
  }
}

function bytesOf(value: unknown, what: string): Buffer | string {
  if (!(value instanceof Uint8Array)) return `error:${what} must be bytes`
  if (value.byteLength > MAX_CRYPTO_INPUT_BYTES) {
    return `error:${what} is larger than ${MAX_CRYPTO_INPUT_BYTES} bytes (the sandbox's limit for crypto input)`
  }
  // A shared buffer cannot change during this synchronous computation, but a copy keeps the rule
  // simple: the worker owns what it reads.
  return ownedBytes(value)
}

/**
 * Bytes the isolate handed over, in memory only the worker holds: isolated-vm copies an
 * ArrayBuffer but shares a SharedArrayBuffer, which the script could still change while the worker
 * uses it (a request body being sent), so that one is copied.
 */
export function ownedBytes(bytes: Uint8Array): Buffer {
  return bytes.buffer instanceof ArrayBuffer
    ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    : Buffer.from(bytes)
}

export function hostService(op: unknown, a: unknown, b: unknown, c: unknown): string {
  switch (op) {
    case 'url': {
      // a: input, b: base or undefined
      const base = typeof b === 'string' ? b : undefined
      if (typeof a !== 'string' || (b !== undefined && base === undefined)) return 'error:'
      if (a.length > MAX_URL_CHARS || (base?.length ?? 0) > MAX_URL_CHARS) return 'error:'
      const url = parseUrl(a, base)
      return url === null ? 'error:' : urlRecord(url)
    }
    case 'url-set': {
      // a: href, b: field, c: new value
      if (typeof a !== 'string' || typeof b !== 'string' || typeof c !== 'string') return 'error:'
      if (!SETTABLE.has(b) || c.length > MAX_URL_CHARS) return 'error:'
      const url = parseUrl(a)
      if (url === null) return 'error:'
      url[b as Exclude<UrlField, 'origin'>] = c
      return urlRecord(url)
    }
    case 'random': {
      if (typeof a !== 'number' || !Number.isSafeInteger(a) || a < 0 || a > MAX_RANDOM_BYTES) {
        return `error:at most ${MAX_RANDOM_BYTES} random bytes can be asked for at once`
      }
      return randomBytes(a).toString('latin1')
    }
    case 'hash':
    case 'hmac': {
      // a: algorithm, b: data bytes, c: key bytes (hmac)
      if (typeof a !== 'string' || !HASHES.has(a.toLowerCase())) {
        return `error:Digest method not supported`
      }
      const data = bytesOf(b, 'the data')
      if (typeof data === 'string') return data
      if (op === 'hash') return createHash(a).update(data).digest().toString('latin1')
      const key = bytesOf(c, 'the key')
      if (typeof key === 'string') return key
      return createHmac(a, key).update(data).digest().toString('latin1')
    }
    default:
      return 'error:unknown service'
  }
}
