import { PROVIDED_BUILTINS } from './limits.js'
import { bufferModule } from './buffer.js'
import { safeString } from './errors.js'
import { hostService } from './host.js'
import { buildAssert } from './node-assert.js'
import { buildCrypto } from './node-crypto.js'
import { buildEvents } from './node-events.js'
import { buildHttp } from './node-http.js'
import { buildQuerystring, buildUrl } from './node-url.js'
import { buildUtil } from './node-util.js'
import { buildRequest } from './npm-request.js'
import {
  ErrorCtor,
  MapCtor,
  MapGet,
  MapSet,
  ReflectApply,
  StringSlice,
  TypeErrorCtor,
} from './primordials.js'

// ---- built-in modules ------------------------------------------------------------------------

export const NODE_BUILTINS = [
  'async_hooks',
  'child_process',
  'cluster',
  'console',
  'constants',
  'dgram',
  'diagnostics_channel',
  'dns',
  'domain',
  'fs',
  'fs/promises',
  'http2',
  'inspector',
  'module',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'punycode',
  'readline',
  'repl',
  'stream',
  'string_decoder',
  'sys',
  'timers',
  'tls',
  'trace_events',
  'tty',
  'v8',
  'vm',
  'wasi',
  'worker_threads',
  'zlib',
  'test',
  'sea',
  'sqlite',
]

export const moduleCache = new MapCtor()

export function moduleNotFound(name) {
  const text = safeString(name)
  const bare =
    ReflectApply(StringSlice, text, [0, 5]) === 'node:'
      ? ReflectApply(StringSlice, text, [5])
      : text
  const root = bare.split('/')[0]
  let hint
  if (NODE_BUILTINS.indexOf(bare) >= 0 || NODE_BUILTINS.indexOf(root) >= 0) {
    hint =
      "'" +
      bare +
      "' is a Node.js built-in that hooks cannot use; the sandbox provides " +
      PROVIDED_BUILTINS.join(', ') +
      ' (docs/egress.md)'
  } else {
    hint = "Declare '" + text + "' in the hook's dependencies"
  }
  const error = new ErrorCtor("Cannot find module '" + text + "'\n" + hint)
  error.code = 'MODULE_NOT_FOUND'
  return error
}

export function cached(key, build) {
  let value = ReflectApply(MapGet, moduleCache, [key])
  if (value === undefined) {
    value = build()
    ReflectApply(MapSet, moduleCache, [key, value])
  }
  return value
}

/** A provided Node.js built-in (also as 'node:<name>'), or undefined. */
export function requireBuiltin(name) {
  if (typeof name !== 'string') return undefined
  const bare =
    ReflectApply(StringSlice, name, [0, 5]) === 'node:'
      ? ReflectApply(StringSlice, name, [5])
      : name
  switch (bare) {
    case 'buffer':
      return bufferModule
    case 'crypto':
      return cached('crypto', buildCrypto)
    case 'url':
      return cached('url', buildUrl)
    case 'querystring':
      return cached('querystring', buildQuerystring)
    case 'util':
      return cached('util', buildUtil)
    case 'events':
      return cached('events', buildEvents)
    case 'assert':
      return cached('assert', buildAssert)
    case 'assert/strict':
      return cached('assert', buildAssert).strict
    case 'http':
      return cached('http', function () {
        return buildHttp('http:')
      })
    case 'https':
      return cached('https', function () {
        return buildHttp('https:')
      })
    default:
      return undefined
  }
}

/** Packages the runtime provides when the hook does not declare them (Auth0 did the same). */
export function requireProvided(name) {
  if (name === 'request') return cached('request', buildRequest)
  return undefined
}

export function invalidArgType(name, expected, value) {
  const error = new TypeErrorCtor(
    'The "' +
      name +
      '" argument must be ' +
      expected +
      '. Received ' +
      (value === null ? 'null' : typeof value),
  )
  error.code = 'ERR_INVALID_ARG_TYPE'
  return error
}

export function hostBytes(op, a, b, c) {
  const answer = hostService(op, a, b, c)
  if (ReflectApply(StringSlice, answer, [0, 6]) === 'error:')
    throw new ErrorCtor(ReflectApply(StringSlice, answer, [6]))
  return answer
}
