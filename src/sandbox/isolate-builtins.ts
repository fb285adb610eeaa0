/**
 * The Node.js built-in modules a hook may `require` (issue 9, compat Q13), and the `request`
 * package that Auth0's runtime made available without declaring it. JavaScript source spliced
 * into `ISOLATE_RUNTIME_SOURCE` after isolate-web.ts and isolate-buffer.ts. `require` in
 * isolate-runtime.ts asks {@link requireBuiltin} first, then the hook's declared dependencies,
 * then {@link requireProvided}; anything else fails with `Cannot find module '<name>'` and a hint.
 *
 * Modules are built on first `require` and cached per isolate. Hashes, HMACs and random bytes are
 * computed by the worker (host-services.ts) with bounded input; `http`, `https` and `request` use
 * the same egress path as `fetch`.
 */
import { MAX_CRYPTO_INPUT_BYTES, MAX_RANDOM_BYTES } from './host-services.js'

/** The built-ins `require` answers (bare and as `node:<name>`); the rest give a hint. */
export const PROVIDED_BUILTINS = [
  'assert',
  'buffer',
  'crypto',
  'events',
  'http',
  'https',
  'querystring',
  'url',
  'util',
] as const

export const ISOLATE_BUILTINS_SOURCE = String.raw`
// ---- built-in modules ------------------------------------------------------------------------

const MAX_CRYPTO_INPUT_BYTES = ${String(MAX_CRYPTO_INPUT_BYTES)};
const MAX_RANDOM_BYTES = ${String(MAX_RANDOM_BYTES)};

const PROVIDED_BUILTINS = ${JSON.stringify(PROVIDED_BUILTINS)};
const NODE_BUILTINS = ['async_hooks', 'child_process', 'cluster', 'console', 'constants', 'dgram',
  'diagnostics_channel', 'dns', 'domain', 'fs', 'fs/promises', 'http2', 'inspector', 'module', 'net', 'os', 'path',
  'perf_hooks', 'process', 'punycode', 'readline', 'repl', 'stream', 'string_decoder', 'sys', 'timers',
  'tls', 'trace_events', 'tty', 'v8', 'vm', 'wasi', 'worker_threads', 'zlib', 'test', 'sea', 'sqlite'];

const moduleCache = new MapCtor();

function moduleNotFound(name) {
  const text = safeString(name);
  const bare = ReflectApply(StringSlice, text, [0, 5]) === 'node:' ? ReflectApply(StringSlice, text, [5]) : text;
  const root = bare.split('/')[0];
  let hint;
  if (NODE_BUILTINS.indexOf(bare) >= 0 || NODE_BUILTINS.indexOf(root) >= 0) {
    hint = "'" + bare + "' is a Node.js built-in that hooks cannot use; the sandbox provides " + PROVIDED_BUILTINS.join(', ') + ' (docs/egress.md)';
  } else {
    hint = "Declare '" + text + "' in the hook's dependencies";
  }
  const error = new ErrorCtor("Cannot find module '" + text + "'\n" + hint);
  error.code = 'MODULE_NOT_FOUND';
  return error;
}

function cached(key, build) {
  let value = ReflectApply(MapGet, moduleCache, [key]);
  if (value === undefined) {
    value = build();
    ReflectApply(MapSet, moduleCache, [key, value]);
  }
  return value;
}

/** A provided Node.js built-in (also as 'node:<name>'), or undefined. */
function requireBuiltin(name) {
  if (typeof name !== 'string') return undefined;
  const bare = ReflectApply(StringSlice, name, [0, 5]) === 'node:' ? ReflectApply(StringSlice, name, [5]) : name;
  switch (bare) {
    case 'buffer': return bufferModule;
    case 'crypto': return cached('crypto', buildCrypto);
    case 'url': return cached('url', buildUrl);
    case 'querystring': return cached('querystring', buildQuerystring);
    case 'util': return cached('util', buildUtil);
    case 'events': return cached('events', buildEvents);
    case 'assert': return cached('assert', buildAssert);
    case 'assert/strict': return cached('assert', buildAssert).strict;
    case 'http': return cached('http', function () { return buildHttp('http:'); });
    case 'https': return cached('https', function () { return buildHttp('https:'); });
    default: return undefined;
  }
}

/** Packages the runtime provides when the hook does not declare them (Auth0 did the same). */
function requireProvided(name) {
  if (name === 'request') return cached('request', buildRequest);
  return undefined;
}

function invalidArgType(name, expected, value) {
  const error = new TypeErrorCtor('The "' + name + '" argument must be ' + expected + '. Received ' + (value === null ? 'null' : typeof value));
  error.code = 'ERR_INVALID_ARG_TYPE';
  return error;
}

function hostBytes(op, a, b, c) {
  const answer = hostService(op, a, b, c);
  if (ReflectApply(StringSlice, answer, [0, 6]) === 'error:') throw new ErrorCtor(ReflectApply(StringSlice, answer, [6]));
  return answer;
}

// ---- crypto ----------------------------------------------------------------------------------

function dataBytes(data, encoding, name) {
  if (typeof data === 'string') return encodeString(data, encoding);
  if (ArrayBufferIsView(data)) return new Uint8ArrayCtor(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBufferCtor) return new Uint8ArrayCtor(data);
  throw invalidArgType(name, 'of type string or an instance of Buffer, TypedArray, or DataView', data);
}

function tooMuchCryptoInput() {
  const error = new RangeErrorCtor('[openhooks] crypto input is larger than ' + MAX_CRYPTO_INPUT_BYTES + ' bytes (the sandbox limit)');
  error.code = 'ERR_OUT_OF_RANGE';
  return error;
}

function digestOutput(latin1, encoding) {
  const bytes = bytesFromLatin1(latin1);
  return encoding === undefined || encoding === 'buffer' ? bufferOf(bytes) : decodeBytes(bytes, encoding);
}

function makeDigester(op, algorithm, key) {
  const chunks = [];
  let size = 0;
  let done = false;
  const self = {
    update(data, encoding) {
      if (done) throw new ErrorCtor('Digest already called');
      const bytes = dataBytes(data, encoding, 'data');
      size += bytes.length;
      if (size > MAX_CRYPTO_INPUT_BYTES) throw tooMuchCryptoInput();
      chunks[chunks.length] = copyBytes(bytes);
      return self;
    },
    digest(encoding) {
      if (done) throw new ErrorCtor('Digest already called');
      done = true;
      const all = new Uint8ArrayCtor(size);
      let at = 0;
      for (let i = 0; i < chunks.length; i++) { all.set(chunks[i], at); at += chunks[i].length; }
      return digestOutput(hostBytes(op, StringCtor(algorithm), all, key), encoding);
    },
  };
  return self;
}

function buildCrypto() {
  function randomBytes(size, callback) {
    if (typeof size !== 'number' || !(size >= 0) || MathTrunc(size) !== size || size > MAX_RANDOM_BYTES) {
      const error = new RangeErrorCtor('The value of "size" is out of range. It must be >= 0 && <= ' + MAX_RANDOM_BYTES + ' (the sandbox limit). Received ' + safeString(size));
      error.code = 'ERR_OUT_OF_RANGE';
      throw error;
    }
    const bytes = bufferOf(bytesFromLatin1(randomBytesLatin1(size)));
    if (typeof callback === 'function') { setImmediate(callback, null, bytes); return undefined; }
    return bytes;
  }
  function randomInt(min, max, callback) {
    let lo = min;
    let hi = max;
    let cb = callback;
    if (max === undefined || typeof max === 'function') { cb = max; lo = 0; hi = min; }
    if (!NumberCtor.isSafeInteger(lo) || !NumberCtor.isSafeInteger(hi) || hi <= lo || hi - lo > 0xffffffffffff) {
      throw new RangeErrorCtor('The value of "max" is out of range. It must be greater than "min" and the range at most 2^48');
    }
    const range = hi - lo;
    const limit = 0x1000000000000 - (0x1000000000000 % range);
    let value;
    do {
      const b = bytesFromLatin1(randomBytesLatin1(6));
      value = ((b[0] * 0x10000 + b[1] * 0x100 + b[2]) * 0x1000000) + (b[3] * 0x10000 + b[4] * 0x100 + b[5]);
    } while (value >= limit);
    const result = lo + (value % range);
    if (typeof cb === 'function') { setImmediate(cb, null, result); return undefined; }
    return result;
  }
  return {
    randomBytes,
    pseudoRandomBytes: randomBytes,
    randomUUID,
    randomInt,
    getRandomValues,
    webcrypto: webCrypto,
    createHash(algorithm) { return makeDigester('hash', algorithm, undefined); },
    createHmac(algorithm, key) {
      const bytes = dataBytes(key, undefined, 'key');
      if (bytes.length > MAX_CRYPTO_INPUT_BYTES) throw tooMuchCryptoInput();
      return makeDigester('hmac', algorithm, copyBytes(bytes));
    },
    timingSafeEqual(a, b) {
      const x = dataBytes(a, undefined, 'buf1');
      const y = dataBytes(b, undefined, 'buf2');
      if (x.length !== y.length) {
        const error = new RangeErrorCtor('Input buffers must have the same byte length');
        error.code = 'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH';
        throw error;
      }
      let diff = 0;
      for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
      return diff === 0;
    },
    getHashes() { return ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512']; },
  };
}

// ---- url, querystring ------------------------------------------------------------------------

function qsEscape(text) { return EncodeURIComponent(wellFormed(text)); }
function qsUnescape(text) { return percentDecode(text); }

function qsStringifyValue(value) {
  switch (typeof value) {
    case 'string': return value;
    case 'number': return NumberCtor.isFinite(value) ? '' + value : '';
    case 'bigint': return safeString(value);
    case 'boolean': return value ? 'true' : 'false';
    default: return '';
  }
}

function buildQuerystring() {
  function stringify(object, sep, eq) {
    const s = sep === undefined ? '&' : sep;
    const e = eq === undefined ? '=' : eq;
    if (object === null || typeof object !== 'object') return '';
    const keys = ObjectKeys(object);
    const parts = [];
    for (let i = 0; i < keys.length; i++) {
      const value = object[keys[i]];
      const key = qsEscape(qsStringifyValue(keys[i])) + e;
      if (ArrayIsArray(value)) {
        for (let j = 0; j < value.length; j++) parts[parts.length] = key + qsEscape(qsStringifyValue(value[j]));
      } else parts[parts.length] = key + qsEscape(qsStringifyValue(value));
    }
    return parts.join(s);
  }
  function parse(text, sep, eq, options) {
    const out = ObjectCreate(null);
    if (typeof text !== 'string' || text.length === 0) return out;
    const s = sep === undefined ? '&' : sep;
    const e = eq === undefined ? '=' : eq;
    const maxKeys = options && typeof options.maxKeys === 'number' ? options.maxKeys : 1000;
    const pieces = text.split(s);
    const n = maxKeys > 0 && pieces.length > maxKeys ? maxKeys : pieces.length;
    for (let i = 0; i < n; i++) {
      const piece = ReflectApply(StringReplace, pieces[i], [/\+/g, ' ']);
      if (piece === '') continue;
      const at = piece.indexOf(e);
      const key = qsUnescape(at < 0 ? piece : ReflectApply(StringSlice, piece, [0, at]));
      const value = at < 0 ? '' : qsUnescape(ReflectApply(StringSlice, piece, [at + e.length]));
      const existing = out[key];
      if (existing === undefined) out[key] = value;
      else if (ArrayIsArray(existing)) existing[existing.length] = value;
      else out[key] = [existing, value];
    }
    return out;
  }
  return { stringify, encode: stringify, parse, decode: parse, escape: qsEscape, unescape: qsUnescape };
}

const LEGACY_URL = /^([a-zA-Z][a-zA-Z0-9+.-]*:)?(?:(\/\/)(?:([^@/?#]*)@)?(\[[^\]]*\]|[^:/?#]*)(?::(\d*))?)?([^?#]*)(\?[^#]*)?(#.*)?$/;

function buildUrl() {
  const querystring = requireBuiltin('querystring');
  function Url() {
    this.protocol = null; this.slashes = null; this.auth = null; this.host = null; this.port = null;
    this.hostname = null; this.hash = null; this.search = null; this.query = null;
    this.pathname = null; this.path = null; this.href = null;
  }
  function parse(text, parseQuery) {
    if (typeof text !== 'string') throw invalidArgType('url', 'of type string', text);
    const result = new Url();
    const m = LEGACY_URL.exec(text.trim());
    if (m === null) return result;
    result.protocol = m[1] ? m[1].toLowerCase() : null;
    const special = result.protocol === 'http:' || result.protocol === 'https:' || result.protocol === 'ftp:' || result.protocol === 'ws:' || result.protocol === 'wss:' || result.protocol === 'file:';
    if (m[2]) {
      result.slashes = true;
      result.auth = m[3] !== undefined ? percentDecode(m[3]) : null;
      result.hostname = (m[4] || '').toLowerCase();
      result.port = m[5] || null;
      result.host = result.hostname + (result.port ? ':' + result.port : '');
    }
    result.pathname = m[6] || (result.slashes && special ? '/' : (m[6] === '' ? null : m[6]));
    result.search = m[7] || (parseQuery ? '' : null);
    const rawQuery = m[7] ? ReflectApply(StringSlice, m[7], [1]) : null;
    result.query = parseQuery ? querystring.parse(rawQuery || '') : rawQuery;
    result.hash = m[8] || null;
    result.path = (result.pathname || '') + (result.search || '') || null;
    result.href = format(result);
    return result;
  }
  function format(object) {
    if (typeof object === 'string') return format(parse(object));
    if (object instanceof URL) return object.href;
    let protocol = object.protocol || '';
    if (protocol && protocol[protocol.length - 1] !== ':') protocol += ':';
    let host = '';
    if (object.host) host = object.host;
    else if (object.hostname) host = (object.hostname.indexOf(':') >= 0 && object.hostname[0] !== '[' ? '[' + object.hostname + ']' : object.hostname) + (object.port ? ':' + object.port : '');
    const auth = object.auth ? qsEscape(object.auth).replace('%3A', ':') + '@' : '';
    let search = object.search || '';
    if (!search && object.query && typeof object.query === 'object') {
      const q = querystring.stringify(object.query);
      if (q) search = '?' + q;
    } else if (search && search[0] !== '?') search = '?' + search;
    let pathname = object.pathname || '';
    const slashes = object.slashes || host || /^(https?|ftp|wss?|file):$/.test(protocol);
    if (slashes && host && pathname && pathname[0] !== '/') pathname = '/' + pathname;
    let hash = object.hash || '';
    if (hash && hash[0] !== '#') hash = '#' + hash;
    return protocol + (slashes ? '//' : '') + auth + host + pathname + search + hash;
  }
  function resolve(from, to) {
    try { return new URL(to, new URL(from)).href; } catch (e) {}
    try {
      const resolved = new URL(to, new URL(from, 'resolve://x/'));
      return resolved.protocol === 'resolve:' ? resolved.pathname + resolved.search + resolved.hash : resolved.href;
    } catch (e) { return to; }
  }
  return { URL, URLSearchParams, Url, parse, format, resolve };
}

// ---- util ------------------------------------------------------------------------------------

const kCustomPromisify = Symbol.for('nodejs.util.promisify.custom');

function deepEqual(a, b, strict, seen) {
  if (strict ? ObjectIs(a, b) : (a == b || (a !== a && b !== b))) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (strict && ObjectGetPrototypeOf(a) !== ObjectGetPrototypeOf(b)) return false;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof RegExp && b instanceof RegExp) return a.source === b.source && a.flags === b.flags;
  if (ArrayBufferIsView(a) && ArrayBufferIsView(b)) {
    if (a.byteLength !== b.byteLength) return false;
    const x = new Uint8ArrayCtor(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8ArrayCtor(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  if (ReflectApply(MapGet, seen, [a]) === b) return true;
  ReflectApply(MapSet, seen, [a, b]);
  if (a instanceof MapCtor && b instanceof MapCtor) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !deepEqual(v, b.get(k), strict, seen)) return false;
    return true;
  }
  if (a instanceof Set && b instanceof Set) {
    if (a.size !== b.size) return false;
    for (const v of a) if (!b.has(v)) return false;
    return true;
  }
  if (ArrayIsArray(a) !== ArrayIsArray(b)) return false;
  const ka = ObjectKeys(a);
  const kb = ObjectKeys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    if (!ReflectApply(ObjectHasOwnProperty, b, [ka[i]])) return false;
    if (!deepEqual(a[ka[i]], b[ka[i]], strict, seen)) return false;
  }
  return true;
}
const ObjectIs = Object.is;
const ObjectGetPrototypeOf = Object.getPrototypeOf;
const ObjectHasOwnProperty = Object.prototype.hasOwnProperty;

function buildUtil() {
  function promisify(original) {
    if (typeof original !== 'function') throw invalidArgType('original', 'of type function', original);
    const custom = original[kCustomPromisify];
    if (typeof custom === 'function') return custom;
    function promisified() {
      const args = restArgs(arguments, 0);
      const self = this;
      return new PromiseCtor(function (resolve, reject) {
        args[args.length] = function (error, value) { if (error) reject(error); else resolve(value); };
        ReflectApply(original, self, args);
      });
    }
    ObjectSetPrototypeOf(promisified, ObjectGetPrototypeOf(original));
    return promisified;
  }
  define(promisify, 'custom', kCustomPromisify);
  function callbackify(original) {
    return function () {
      const args = restArgs(arguments, 0);
      const callback = args.pop();
      ReflectApply(PromiseThen, ReflectApply(original, this, args), [
        function (value) { callback(null, value); },
        function (reason) { callback(reason || new ErrorCtor('Promise was rejected with a falsy value')); },
      ]);
    };
  }
  const types = {
    isPromise(v) { return v instanceof PromiseCtor; },
    isDate(v) { return v instanceof Date; },
    isRegExp(v) { return v instanceof RegExp; },
    isMap(v) { return v instanceof MapCtor; },
    isSet(v) { return v instanceof Set; },
    isNativeError(v) { return isError(v); },
    isArrayBuffer(v) { return v instanceof ArrayBufferCtor; },
    isAnyArrayBuffer(v) { return v instanceof ArrayBufferCtor || (typeof SharedArrayBuffer === 'function' && v instanceof SharedArrayBuffer); },
    isArrayBufferView(v) { return ArrayBufferIsView(v); },
    isTypedArray(v) { return ArrayBufferIsView(v) && !(v instanceof DataView); },
    isUint8Array(v) { return v instanceof Uint8ArrayCtor; },
    isDataView(v) { return v instanceof DataView; },
    isAsyncFunction(v) { return typeof v === 'function' && v.constructor && v.constructor.name === 'AsyncFunction'; },
    isGeneratorFunction(v) { return typeof v === 'function' && v.constructor && /GeneratorFunction$/.test(v.constructor.name); },
  };
  return {
    format: function () { return format(arguments); },
    formatWithOptions: function (options) {
      if (options === null || typeof options !== 'object') throw new TypeErrorCtor('The "inspectOptions" argument must be of type object');
      return format(restArgs(arguments, 1), options);
    },
    inspect: nodeInspect,
    promisify,
    callbackify,
    types,
    inherits(ctor, superCtor) {
      define(ctor, 'super_', superCtor);
      ObjectSetPrototypeOf(ctor.prototype, superCtor.prototype);
    },
    deprecate(fn) { return fn; },
    isDeepStrictEqual(a, b) { return deepEqual(a, b, true, new MapCtor()); },
    isArray: ArrayIsArray,
    isError,
    isString(v) { return typeof v === 'string'; },
    isNumber(v) { return typeof v === 'number'; },
    isFunction(v) { return typeof v === 'function'; },
    isObject(v) { return v !== null && typeof v === 'object'; },
    isUndefined(v) { return v === undefined; },
    isNullOrUndefined(v) { return v === null || v === undefined; },
    TextEncoder,
    TextDecoder,
  };
}

// ---- events ----------------------------------------------------------------------------------

function buildEvents() {
  const listenerMaps = new WeakMapCtor();
  function mapOf(emitter) {
    let map = ReflectApply(WeakMapGet, listenerMaps, [emitter]);
    if (map === undefined) { map = new MapCtor(); setState(listenerMaps, emitter, map); }
    return map;
  }
  function listOf(emitter, name) {
    const map = mapOf(emitter);
    let list = ReflectApply(MapGet, map, [name]);
    if (list === undefined) { list = []; ReflectApply(MapSet, map, [name, list]); }
    return list;
  }
  function add(emitter, name, listener, once, prepend) {
    if (typeof listener !== 'function') throw invalidArgType('listener', 'of type function', listener);
    if (name !== 'newListener' && ReflectApply(MapGet, mapOf(emitter), ['newListener']) !== undefined) {
      emitter.emit('newListener', name, listener);
    }
    const list = listOf(emitter, name);
    const entry = { listener, once };
    if (prepend) list.unshift(entry); else list[list.length] = entry;
    return emitter;
  }
  function EventEmitter() {}
  const proto = {
    on(name, listener) { return add(this, name, listener, false, false); },
    addListener(name, listener) { return add(this, name, listener, false, false); },
    prependListener(name, listener) { return add(this, name, listener, false, true); },
    once(name, listener) { return add(this, name, listener, true, false); },
    prependOnceListener(name, listener) { return add(this, name, listener, true, true); },
    off(name, listener) { return this.removeListener(name, listener); },
    removeListener(name, listener) {
      const list = ReflectApply(MapGet, mapOf(this), [name]);
      if (list === undefined) return this;
      for (let i = list.length - 1; i >= 0; i--) {
        if (list[i].listener === listener) { list.splice(i, 1); break; }
      }
      if (list.length === 0) ReflectApply(MapDelete, mapOf(this), [name]);
      return this;
    },
    removeAllListeners(name) {
      if (name === undefined) ReflectApply(WeakMapSet, listenerMaps, [this, new MapCtor()]);
      else ReflectApply(MapDelete, mapOf(this), [name]);
      return this;
    },
    emit(name) {
      const list = ReflectApply(MapGet, mapOf(this), [name]);
      const args = restArgs(arguments, 1);
      if (list === undefined || list.length === 0) {
        if (name === 'error') {
          const error = args[0];
          if (isError(error)) throw error;
          const wrapped = new ErrorCtor('Unhandled error. (' + inspect(error) + ')');
          wrapped.code = 'ERR_UNHANDLED_ERROR';
          wrapped.context = error;
          throw wrapped;
        }
        return false;
      }
      const todo = list.slice();
      for (let i = 0; i < todo.length; i++) {
        if (todo[i].once) this.removeListener(name, todo[i].listener);
        ReflectApply(todo[i].listener, this, args);
      }
      return true;
    },
    listeners(name) {
      const list = ReflectApply(MapGet, mapOf(this), [name]);
      return list === undefined ? [] : list.map(function (e) { return e.listener; });
    },
    rawListeners(name) { return this.listeners(name); },
    listenerCount(name) {
      const list = ReflectApply(MapGet, mapOf(this), [name]);
      return list === undefined ? 0 : list.length;
    },
    eventNames() {
      const names = [];
      ReflectApply(MapForEach, mapOf(this), [function (list, name) { names[names.length] = name; }]);
      return names;
    },
    setMaxListeners() { return this; },
    getMaxListeners() { return EventEmitter.defaultMaxListeners; },
  };
  defineMethods(EventEmitter.prototype, proto);
  define(EventEmitter, 'EventEmitter', EventEmitter);
  define(EventEmitter, 'defaultMaxListeners', 10);
  define(EventEmitter, 'errorMonitor', Symbol('events.errorMonitor'));
  define(EventEmitter, 'once', function (emitter, name) {
    return new PromiseCtor(function (resolve, reject) {
      function onError(error) { emitter.removeListener(name, onEvent); reject(error); }
      function onEvent() {
        if (name !== 'error') emitter.removeListener('error', onError);
        resolve(restArgs(arguments, 0));
      }
      emitter.once(name, onEvent);
      if (name !== 'error') emitter.once('error', onError);
    });
  });
  define(EventEmitter, 'listenerCount', function (emitter, name) { return emitter.listenerCount(name); });
  return EventEmitter;
}

// ---- assert ----------------------------------------------------------------------------------

function buildAssert() {
  class AssertionError extends ErrorCtor {
    constructor(options) {
      super(options.message);
      define(this, 'name', 'AssertionError');
      this.code = 'ERR_ASSERTION';
      this.actual = options.actual;
      this.expected = options.expected;
      this.operator = options.operator;
      this.generatedMessage = options.generated;
    }
  }
  function check(ok, message, actual, expected, operator, defaultMessage) {
    if (ok) return;
    if (isError(message)) throw message;
    throw new AssertionError({
      message: message === undefined ? defaultMessage : safeString(message),
      actual, expected, operator, generated: message === undefined,
    });
  }
  function show(v) { return inspectWith(v); }
  function make(strict) {
    function assert(value, message) { check(!!value, message, value, true, '==', 'The expression evaluated to a falsy value:\n\n  assert(' + show(value) + ')\n'); }
    const equal = strict
      ? function (a, b, m) { check(ObjectIs(a, b), m, a, b, 'strictEqual', 'Expected values to be strictly equal:\n\n' + show(a) + ' !== ' + show(b) + '\n'); }
      : function (a, b, m) { check(a == b || (a !== a && b !== b), m, a, b, '==', show(a) + ' == ' + show(b)); };
    const notEqual = strict
      ? function (a, b, m) { check(!ObjectIs(a, b), m, a, b, 'notStrictEqual', 'Expected "actual" to be strictly unequal to: ' + show(b)); }
      : function (a, b, m) { check(a != b, m, a, b, '!=', show(a) + ' != ' + show(b)); };
    const deep = function (a, b, m) { check(deepEqual(a, b, strict, new MapCtor()), m, a, b, strict ? 'deepStrictEqual' : 'deepEqual', 'Expected values to be ' + (strict ? 'strictly ' : 'loosely ') + 'deep-equal:\n\n' + show(a) + '\n\nshould equal\n\n' + show(b)); };
    const notDeep = function (a, b, m) { check(!deepEqual(a, b, strict, new MapCtor()), m, a, b, strict ? 'notDeepStrictEqual' : 'notDeepEqual', 'Expected "actual" not to be ' + (strict ? 'strictly ' : 'loosely ') + 'deep-equal to: ' + show(b)); };
    function matches(error, expected) {
      if (expected === undefined) return true;
      if (typeof expected === 'function') {
        if (expected.prototype !== undefined && error instanceof expected) return true;
        if (ErrorCtor.isPrototypeOf(expected) || expected === ErrorCtor) return false;
        return ReflectApply(expected, undefined, [error]) === true;
      }
      if (expected instanceof RegExp) return expected.test(safeString(error && error.message !== undefined ? error.message : error)) || expected.test(safeString(error));
      if (typeof expected === 'object' && expected !== null) {
        const keys = ObjectKeys(expected);
        for (let i = 0; i < keys.length; i++) {
          const want = expected[keys[i]];
          const got = error[keys[i]];
          if (want instanceof RegExp ? !want.test(got) : !deepEqual(got, want, true, new MapCtor())) return false;
        }
        return true;
      }
      return false;
    }
    define(assert, 'ok', assert);
    define(assert, 'equal', equal);
    define(assert, 'notEqual', notEqual);
    define(assert, 'strictEqual', function (a, b, m) { check(ObjectIs(a, b), m, a, b, 'strictEqual', 'Expected values to be strictly equal:\n\n' + show(a) + ' !== ' + show(b) + '\n'); });
    define(assert, 'notStrictEqual', function (a, b, m) { check(!ObjectIs(a, b), m, a, b, 'notStrictEqual', 'Expected "actual" to be strictly unequal to: ' + show(b)); });
    define(assert, 'deepEqual', deep);
    define(assert, 'notDeepEqual', notDeep);
    define(assert, 'deepStrictEqual', function (a, b, m) { check(deepEqual(a, b, true, new MapCtor()), m, a, b, 'deepStrictEqual', 'Expected values to be strictly deep-equal:\n\n' + show(a) + '\n\nshould equal\n\n' + show(b)); });
    define(assert, 'notDeepStrictEqual', function (a, b, m) { check(!deepEqual(a, b, true, new MapCtor()), m, a, b, 'notDeepStrictEqual', 'Expected "actual" not to be strictly deep-equal to: ' + show(b)); });
    define(assert, 'fail', function (message) { check(false, message, undefined, undefined, 'fail', 'Failed'); });
    define(assert, 'ifError', function (value) { if (value !== null && value !== undefined) throw value; });
    define(assert, 'match', function (s, re, m) { check(typeof s === 'string' && re.test(s), m, s, re, 'match', 'The input did not match the regular expression ' + safeString(re) + '. Input:\n\n' + show(s) + '\n'); });
    define(assert, 'doesNotMatch', function (s, re, m) { check(typeof s === 'string' && !re.test(s), m, s, re, 'doesNotMatch', 'The input was expected to not match the regular expression ' + safeString(re) + '. Input:\n\n' + show(s) + '\n'); });
    define(assert, 'throws', function (fn, expected, message) {
      try { fn(); } catch (error) {
        check(matches(error, expected), typeof expected === 'string' ? expected : message, error, expected, 'throws', 'The error did not match the expected one');
        return;
      }
      check(false, typeof expected === 'string' ? expected : message, undefined, expected, 'throws', 'Missing expected exception.');
    });
    define(assert, 'doesNotThrow', function (fn, message) {
      try { fn(); } catch (error) { check(false, message, error, undefined, 'doesNotThrow', 'Got unwanted exception.\nActual message: "' + safeString(error && error.message) + '"'); }
    });
    define(assert, 'rejects', function (promiseOrFn, expected, message) {
      const promise = typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn;
      return ReflectApply(PromiseThen, promise, [
        function () { check(false, typeof expected === 'string' ? expected : message, undefined, expected, 'rejects', 'Missing expected rejection.'); },
        function (error) { check(matches(error, expected), typeof expected === 'string' ? expected : message, error, expected, 'rejects', 'The error did not match the expected one'); },
      ]);
    });
    define(assert, 'doesNotReject', function (promiseOrFn, message) {
      const promise = typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn;
      return ReflectApply(PromiseThen, promise, [undefined, function (error) { check(false, message, error, undefined, 'doesNotReject', 'Got unwanted rejection.'); }]);
    });
    define(assert, 'AssertionError', AssertionError);
    return assert;
  }
  const loose = make(false);
  const strict = make(true);
  define(loose, 'strict', strict);
  define(strict, 'strict', strict);
  return loose;
}

// ---- http, https -----------------------------------------------------------------------------

function headerObject(pairs) {
  const out = {};
  for (let i = 0; i < pairs.length; i++) {
    const name = pairs[i][0].toLowerCase();
    const value = pairs[i][1];
    if (name === 'set-cookie') {
      if (out[name] === undefined) out[name] = [value]; else out[name][out[name].length] = value;
    } else if (out[name] === undefined) out[name] = value;
    else out[name] += ', ' + value;
  }
  return out;
}

function rawHeaderList(pairs) {
  const out = [];
  for (let i = 0; i < pairs.length; i++) { out[out.length] = pairs[i][0]; out[out.length] = pairs[i][1]; }
  return out;
}

function egressError(meta) {
  const error = new ErrorCtor(meta.message);
  error.code = meta.code;
  return error;
}

function buildHttp(defaultProtocol) {
  const EventEmitter = requireBuiltin('events');
  const apiName = defaultProtocol === 'https:' ? 'https' : 'http';

  function IncomingMessage(meta, bytes) {
    this.statusCode = meta.status;
    this.statusMessage = meta.statusText;
    this.headers = headerObject(meta.headers);
    this.rawHeaders = rawHeaderList(meta.headers);
    this.httpVersion = '1.1';
    this.url = '';
    this.complete = false;
    this.encoding = undefined;
    define(this, 'bytes', bytes);
  }
  ObjectSetPrototypeOf(IncomingMessage.prototype, EventEmitter.prototype);
  defineMethods(IncomingMessage.prototype, {
    setEncoding(encoding) { this.encoding = encoding; return this; },
    resume() { return this; },
    pause() { return this; },
    destroy() { return this; },
    setTimeout() { return this; },
  });

  function ClientRequest(options, callback) {
    this.method = options.method;
    this.path = options.path;
    this.host = options.host;
    this.protocol = options.protocol;
    define(this, 'url', options.url);
    define(this, 'headerPairs', options.headerPairs);
    define(this, 'chunks', []);
    define(this, 'timeoutMs', options.timeout);
    define(this, 'signal', options.signal);
    this.aborted = false;
    this.finished = false;
    this.destroyed = false;
    define(this, 'requestId', undefined);
    if (typeof callback === 'function') this.once('response', callback);
  }
  ObjectSetPrototypeOf(ClientRequest.prototype, EventEmitter.prototype);
  defineMethods(ClientRequest.prototype, {
    setHeader(name, value) {
      const lower = StringCtor(name).toLowerCase();
      const kept = this.headerPairs.filter(function (p) { return p[0].toLowerCase() !== lower; });
      this.headerPairs.length = 0;
      for (let i = 0; i < kept.length; i++) this.headerPairs[i] = kept[i];
      if (ArrayIsArray(value)) for (let i = 0; i < value.length; i++) this.headerPairs[this.headerPairs.length] = [StringCtor(name), StringCtor(value[i])];
      else this.headerPairs[this.headerPairs.length] = [StringCtor(name), StringCtor(value)];
      return this;
    },
    getHeader(name) {
      const lower = StringCtor(name).toLowerCase();
      for (let i = 0; i < this.headerPairs.length; i++) if (this.headerPairs[i][0].toLowerCase() === lower) return this.headerPairs[i][1];
      return undefined;
    },
    removeHeader(name) { const lower = StringCtor(name).toLowerCase(); const kept = this.headerPairs.filter(function (p) { return p[0].toLowerCase() !== lower; }); this.headerPairs.length = 0; for (let i = 0; i < kept.length; i++) this.headerPairs[i] = kept[i]; },
    write(chunk, encoding, callback) {
      if (this.finished) throw new ErrorCtor('write after end');
      if (chunk !== undefined && chunk !== null) this.chunks[this.chunks.length] = copyBytes(dataBytes(chunk, typeof encoding === 'string' ? encoding : undefined, 'chunk'));
      const cb = typeof encoding === 'function' ? encoding : callback;
      if (typeof cb === 'function') setImmediate(cb);
      return true;
    },
    end(chunk, encoding, callback) {
      if (typeof chunk === 'function') { callback = chunk; chunk = undefined; }
      if (typeof encoding === 'function') { callback = encoding; encoding = undefined; }
      if (this.finished) return this;
      if (chunk !== undefined && chunk !== null) this.write(chunk, encoding);
      this.finished = true;
      if (typeof callback === 'function') setImmediate(callback);
      const self = this;
      let size = 0;
      for (let i = 0; i < this.chunks.length; i++) size += this.chunks[i].length;
      let body = null;
      if (size > 0 || this.method === 'POST' || this.method === 'PUT' || this.method === 'PATCH') {
        body = new Uint8ArrayCtor(size);
        let at = 0;
        for (let i = 0; i < this.chunks.length; i++) { body.set(this.chunks[i], at); at += this.chunks[i].length; }
      }
      try {
        this.requestId = startHttp({
          method: this.method, url: this.url, headers: this.headerPairs, redirect: 'manual', decompress: false,
          timeoutMs: this.timeoutMs, api: apiName,
        }, body, function (meta, bytes) {
          if (self.destroyed) return;
          if (!meta.ok) {
            if (meta.code === 'ETIMEDOUT') self.emit('timeout');
            self.destroyed = true;
            self.emit('error', egressError(meta));
            return;
          }
          const response = new IncomingMessage(meta, bufferOf(bytes));
          if (self.listenerCount('response') === 0) return;
          self.emit('response', response);
          ReflectApply(PromiseThen, PromiseCtor.resolve(), [function () {
            const data = response.bytes;
            if (data.length > 0) response.emit('data', response.encoding === undefined ? data : data.toString(response.encoding));
            response.complete = true;
            response.emit('end');
            response.emit('close');
          }]);
        });
      } catch (error) {
        this.destroyed = true;
        setImmediate(function () { self.emit('error', error); });
      }
      if (this.signal) {
        this.signal.addEventListener('abort', function () { self.destroy(self.signal.reason); }, { once: true });
      }
      return this;
    },
    setTimeout(ms, callback) { this.timeoutMs = ms; if (typeof callback === 'function') this.once('timeout', callback); return this; },
    setNoDelay() {}, setSocketKeepAlive() {}, flushHeaders() {},
    abort() { this.aborted = true; this.destroy(); },
    destroy(error) {
      if (this.destroyed) return this;
      this.destroyed = true;
      if (this.requestId !== undefined) abortHttp(this.requestId);
      const self = this;
      const reason = error === undefined ? new ErrorCtor('socket hang up') : error;
      if (error === undefined) reason.code = 'ECONNRESET';
      setImmediate(function () { if (self.listenerCount('error') > 0) self.emit('error', reason); self.emit('close'); });
      return this;
    },
  });

  function normalize(input, options, callback) {
    let opts = {};
    let cb = callback;
    if (typeof input === 'string' || input instanceof URL) {
      const url = typeof input === 'string' ? new URL(input) : input;
      opts = { protocol: url.protocol, hostname: url.hostname, port: url.port, path: url.pathname + url.search,
        auth: url.username ? percentDecode(url.username) + ':' + percentDecode(url.password) : undefined };
      if (typeof options === 'function') cb = options;
      else if (options !== null && typeof options === 'object') { const keys = ObjectKeys(options); for (let i = 0; i < keys.length; i++) opts[keys[i]] = options[keys[i]]; }
    } else {
      const keys = ObjectKeys(input || {});
      for (let i = 0; i < keys.length; i++) opts[keys[i]] = input[keys[i]];
      if (typeof options === 'function') cb = options;
    }
    const protocol = opts.protocol || defaultProtocol;
    if (protocol !== defaultProtocol) {
      const error = new TypeErrorCtor('Protocol "' + protocol + '" not supported. Expected "' + defaultProtocol + '"');
      error.code = 'ERR_INVALID_PROTOCOL';
      throw error;
    }
    let hostname = opts.hostname || (opts.host ? ReflectApply(StringReplace, StringCtor(opts.host), [/:\d+$/, '']) : 'localhost');
    if (hostname.indexOf(':') >= 0 && hostname[0] !== '[') hostname = '[' + hostname + ']';
    const port = opts.port ? ':' + opts.port : '';
    const path = opts.path || '/';
    const method = (opts.method || 'GET').toUpperCase();
    const headerPairs = [];
    const headers = opts.headers || {};
    if (ArrayIsArray(headers)) for (let i = 0; i + 1 < headers.length; i += 2) headerPairs[headerPairs.length] = [StringCtor(headers[i]), StringCtor(headers[i + 1])];
    else {
      const keys = ObjectKeys(headers);
      for (let i = 0; i < keys.length; i++) {
        const value = headers[keys[i]];
        if (value === undefined) continue;
        if (ArrayIsArray(value)) for (let j = 0; j < value.length; j++) headerPairs[headerPairs.length] = [keys[i], StringCtor(value[j])];
        else headerPairs[headerPairs.length] = [keys[i], StringCtor(value)];
      }
    }
    if (opts.auth && !headerPairs.some(function (p) { return p[0].toLowerCase() === 'authorization'; })) {
      headerPairs[headerPairs.length] = ['Authorization', 'Basic ' + base64Encode(utf8Encode(opts.auth), false)];
    }
    return {
      options: { method, path, host: hostname, protocol, url: protocol + '//' + hostname + port + path, headerPairs,
        timeout: typeof opts.timeout === 'number' && opts.timeout > 0 ? opts.timeout : undefined, signal: opts.signal },
      callback: cb,
    };
  }

  function request(input, options, callback) {
    const n = normalize(input, options, callback);
    return new ClientRequest(n.options, n.callback);
  }
  function get(input, options, callback) {
    const req = request(input, options, callback);
    req.end();
    return req;
  }
  function Agent(options) { this.options = options || {}; }
  defineMethods(Agent.prototype, { destroy() {} });
  return {
    request, get, Agent, globalAgent: new Agent(), ClientRequest, IncomingMessage,
    METHODS: ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'],
    STATUS_CODES: { 200: 'OK', 201: 'Created', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found',
      304: 'Not Modified', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
      409: 'Conflict', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway',
      503: 'Service Unavailable', 504: 'Gateway Timeout' },
  };
}

// ---- request (the deprecated npm package, callback API subset) ------------------------------

function buildRequest() {
  const querystring = requireBuiltin('querystring');
  function merge(a, b) {
    const out = {};
    const ka = ObjectKeys(a || {});
    for (let i = 0; i < ka.length; i++) out[ka[i]] = a[ka[i]];
    const kb = ObjectKeys(b || {});
    for (let i = 0; i < kb.length; i++) out[kb[i]] = b[kb[i]];
    return out;
  }
  function params(uri, options, callback) {
    let opts;
    let cb = callback;
    if (typeof options === 'function') cb = options;
    if (typeof uri === 'string' || uri instanceof URL) opts = merge(typeof options === 'object' ? options : {}, { uri: StringCtor(uri) });
    else opts = merge(uri, {});
    if (typeof cb !== 'function' && typeof opts.callback === 'function') cb = opts.callback;
    return { opts, cb };
  }

  function run(opts, cb) {
    const handle = { aborted: false, id: undefined };
    const done = typeof cb === 'function' ? cb : function () {};
    let url;
    try {
      const raw = opts.uri !== undefined ? opts.uri : opts.url;
      if (raw === undefined) throw new ErrorCtor('options.uri is a required argument');
      url = opts.baseUrl ? new URL(StringCtor(raw), StringCtor(opts.baseUrl).replace(/\/?$/, '/')) : new URL(StringCtor(raw));
      if (opts.qs && typeof opts.qs === 'object') {
        const extra = querystring.stringify(opts.qs);
        if (extra) url.search = (url.search ? url.search + '&' : '?') + extra;
      }
    } catch (error) {
      setImmediate(done, error);
      return handle;
    }
    const method = StringCtor(opts.method || 'GET').toUpperCase();
    const headers = new Headers(opts.headers || {});
    let body = null;
    if (opts.form !== undefined) {
      body = utf8Encode(typeof opts.form === 'string' ? opts.form : querystring.stringify(opts.form));
      headers.set('content-type', 'application/x-www-form-urlencoded');
    } else if (opts.formData !== undefined && opts.formData !== null) {
      try {
        const multipart = requestFormData(opts.formData); // isolate-bodies.ts
        body = multipart.bytes;
        headers.set('content-type', multipart.type);
      } catch (error) {
        setImmediate(done, error);
        return handle;
      }
    } else if (opts.json !== undefined && opts.json !== false && opts.json !== true) {
      body = utf8Encode(JSONStringify(opts.json));
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    } else if (opts.body !== undefined) {
      if (opts.json === true && typeof opts.body === 'object' && !ArrayBufferIsView(opts.body)) {
        body = utf8Encode(JSONStringify(opts.body));
        if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      } else body = typeof opts.body === 'string' ? utf8Encode(opts.body) : dataBytes(opts.body, undefined, 'body');
    }
    if (opts.json !== undefined && opts.json !== false && !headers.has('accept')) headers.set('accept', 'application/json');
    const auth = opts.auth;
    if (auth && typeof auth === 'object') {
      if (auth.bearer !== undefined) headers.set('authorization', 'Bearer ' + (typeof auth.bearer === 'function' ? auth.bearer() : auth.bearer));
      else {
        const user = auth.user !== undefined ? auth.user : auth.username;
        const pass = auth.pass !== undefined ? auth.pass : auth.password;
        headers.set('authorization', 'Basic ' + base64Encode(utf8Encode(StringCtor(user || '') + ':' + StringCtor(pass || '')), false));
      }
    }
    const follow = method === 'GET' || method === 'HEAD' ? opts.followRedirect !== false : opts.followAllRedirects === true;
    try {
      handle.id = startHttp({
        method, url: url.href, headers: headerPairs(headers), redirect: follow ? 'follow' : 'manual',
        decompress: opts.gzip === true, timeoutMs: typeof opts.timeout === 'number' && opts.timeout > 0 ? opts.timeout : undefined,
        api: 'request',
      }, body, function (meta, bytes, text) {
        if (handle.aborted) return;
        if (!meta.ok) { done(egressError(meta)); return; }
        const raw = bufferOf(bytes);
        const encoding = opts.encoding === undefined ? 'utf8' : opts.encoding;
        let responseBody = encoding === null ? raw
          : text !== undefined && (encoding === 'utf8' || encoding === 'utf-8') ? text
          : raw.toString(encoding || 'utf8');
        if (opts.json !== undefined && opts.json !== false && typeof responseBody === 'string') {
          try { responseBody = JSONParse(responseBody); } catch (e) {}
        }
        const response = {
          statusCode: meta.status,
          statusMessage: meta.statusText,
          headers: headerObject(meta.headers),
          rawHeaders: rawHeaderList(meta.headers),
          body: responseBody,
          request: { uri: new URL(meta.url), method, href: meta.url },
          url: meta.url,
        };
        done(null, response, responseBody);
      });
    } catch (error) {
      setImmediate(done, error);
    }
    handle.abort = function () { handle.aborted = true; if (handle.id !== undefined) abortHttp(handle.id); };
    return handle;
  }

  function make(defaults) {
    function request(uri, options, callback) {
      const p = params(uri, options, callback);
      return run(merge(defaults, p.opts), p.cb);
    }
    function verb(method) {
      return function (uri, options, callback) {
        const p = params(uri, options, callback);
        p.opts.method = method;
        return run(merge(defaults, p.opts), p.cb);
      };
    }
    define(request, 'get', verb('GET'));
    define(request, 'head', verb('HEAD'));
    define(request, 'post', verb('POST'));
    define(request, 'put', verb('PUT'));
    define(request, 'patch', verb('PATCH'));
    define(request, 'del', verb('DELETE'));
    define(request, 'delete', verb('DELETE'));
    define(request, 'defaults', function (more) { return make(merge(defaults, more)); });
    return request;
  }
  return make({});
}
`
