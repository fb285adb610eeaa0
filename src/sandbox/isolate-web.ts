/**
 * The Web APIs of the isolate (issue 9): `fetch` with `Request`, `Response` and `Headers`,
 * `AbortController`, `Event`/`EventTarget`, `DOMException`, `URL`, `URLSearchParams`, `Blob`,
 * `TextEncoder`/`TextDecoder`, `atob`/`btoa`, `structuredClone` and `crypto.getRandomValues` /
 * `crypto.randomUUID`. This is JavaScript source spliced into `ISOLATE_RUNTIME_SOURCE`, inside the
 * same closure: it uses the runtime's helpers (`define`, `getCall`, `currentCallId`, the saved
 * built-ins) and its host callbacks `hostHttp` ($3) and `hostService` ($4), which take and return
 * primitives only. Bytes cross as latin1 strings (one character per byte), except bodies: a
 * request's leaves as a Uint8Array, a response's arrives as an ArrayBuffer (and its text).
 *
 * Written for what hook scripts and the libraries they use need, not as a complete implementation:
 * bodies are buffered (`FormData`, `File`, `formData()` and `body` as a `ReadableStream` are in
 * isolate-bodies.ts), and there is no `crypto.subtle`. URLs are parsed by Node's own WHATWG
 * parser in the worker, so they behave exactly as in Node.
 */
export const ISOLATE_WEB_SOURCE = String.raw`
// ---- bytes -----------------------------------------------------------------------------------

const Uint8ArrayCtor = Uint8Array;
const ArrayBufferCtor = ArrayBuffer;
const ArrayBufferIsView = ArrayBuffer.isView;
const StringFromCharCode = String.fromCharCode;
const StringFromCodePoint = String.fromCodePoint;
const StringToWellFormed = String.prototype.toWellFormed;
const EncodeURIComponent = encodeURIComponent;
const DecodeURIComponent = decodeURIComponent;
const Escape = escape;
const Unescape = unescape;
const WeakMapCtor = WeakMap;
const WeakMapGet = WeakMap.prototype.get;
const WeakMapSet = WeakMap.prototype.set;
const ObjectKeys = Object.keys;
const ArrayIsArray = Array.isArray;
const SymbolIterator = Symbol.iterator;
const RangeErrorCtor = RangeError;

function stateOf(map, object, what) {
  const state = ReflectApply(WeakMapGet, map, [object]);
  if (state === undefined) throw new TypeErrorCtor('Illegal invocation: not a ' + what);
  return state;
}
function setState(map, object, state) { ReflectApply(WeakMapSet, map, [object, state]); }

function wellFormed(text) { return ReflectApply(StringToWellFormed, StringCtor(text), []); }

function latin1FromBytes(bytes) {
  let out = '';
  const CHUNK = 8192;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    const end = i + CHUNK < bytes.length ? i + CHUNK : bytes.length;
    const codes = [];
    for (let j = i; j < end; j++) codes[j - i] = bytes[j];
    out += ReflectApply(StringFromCharCode, undefined, codes);
  }
  return out;
}

function bytesFromLatin1(text) {
  const n = text.length;
  const out = new Uint8ArrayCtor(n);
  for (let i = 0; i < n; i++) out[i] = text.charCodeAt(i) & 255;
  return out;
}

function utf8Encode(text) {
  return bytesFromLatin1(Unescape(EncodeURIComponent(wellFormed(text))));
}

function utf8DecodeSlow(bytes, fatal) {
  const n = bytes.length;
  let out = '';
  let codes = [];
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    let cp;
    if (b < 0x80) { cp = b; i++; }
    else {
      let need = 0;
      if (b >= 0xc2 && b <= 0xdf) { need = 1; cp = b & 0x1f; }
      else if (b >= 0xe0 && b <= 0xef) { need = 2; cp = b & 0x0f; }
      else if (b >= 0xf0 && b <= 0xf4) { need = 3; cp = b & 0x07; }
      if (need === 0) { cp = 0xfffd; i++; }
      else {
        let lower = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
        let upper = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
        let j = i + 1;
        let k = 0;
        for (; k < need; k++, j++) {
          const c = j < n ? bytes[j] : -1;
          if (c < lower || c > upper) break;
          cp = (cp << 6) | (c & 0x3f);
          lower = 0x80;
          upper = 0xbf;
        }
        if (k < need) cp = 0xfffd;
        i = j;
      }
      if (cp === 0xfffd && fatal) throw new TypeErrorCtor('The encoded data was not valid for encoding utf-8');
    }
    codes[codes.length] = cp;
    if (codes.length >= 4096) { out += ReflectApply(StringFromCodePoint, undefined, codes); codes = []; }
  }
  return out + ReflectApply(StringFromCodePoint, undefined, codes);
}

function utf8Decode(bytes, fatal) {
  const latin1 = latin1FromBytes(bytes);
  try { return DecodeURIComponent(Escape(latin1)); } catch (e) { return utf8DecodeSlow(bytes, fatal); }
}

const BASE64_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64URL_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const BASE64_VALUES = new Uint8ArrayCtor(256).fill(255);
for (let i = 0; i < 64; i++) {
  BASE64_VALUES[BASE64_CHARS.charCodeAt(i)] = i;
  BASE64_VALUES[BASE64URL_CHARS.charCodeAt(i)] = i;
}

function base64Encode(bytes, url) {
  const chars = url ? BASE64URL_CHARS : BASE64_CHARS;
  let out = '';
  let parts = [];
  const n = bytes.length;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    parts[parts.length] = chars[v >> 18] + chars[(v >> 12) & 63] + chars[(v >> 6) & 63] + chars[v & 63];
    if (parts.length >= 4096) { out += parts.join(''); parts = []; }
  }
  out += parts.join('');
  if (i < n) {
    const v = (bytes[i] << 16) | (i + 1 < n ? bytes[i + 1] << 8 : 0);
    out += chars[v >> 18] + chars[(v >> 12) & 63];
    if (i + 1 < n) out += chars[(v >> 6) & 63];
    if (!url) out += i + 1 < n ? '=' : '==';
  }
  return out;
}

/** Lenient (Node's Buffer): skips characters outside both alphabets, stops at '='. */
function base64Decode(text) {
  const n = text.length;
  const out = new Uint8ArrayCtor((n * 3) >> 2);
  let size = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 61) break;
    const v = c < 256 ? BASE64_VALUES[c] : 255;
    if (v === 255) continue;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[size++] = (acc >> bits) & 255;
    }
  }
  return out.subarray(0, size);
}

function copyBytes(view) {
  const source = new Uint8ArrayCtor(view.buffer, view.byteOffset, view.byteLength);
  const out = new Uint8ArrayCtor(source.length);
  out.set(source);
  return out;
}

// ---- DOMException, Event, EventTarget --------------------------------------------------------

const DOM_EXCEPTION_CODES = {
  IndexSizeError: 1, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11, SyntaxError: 12,
  InvalidCharacterError: 5, NetworkError: 19, AbortError: 20, TimeoutError: 23,
  QuotaExceededError: 22, DataCloneError: 25,
};

class DOMException extends ErrorCtor {
  constructor(message, name) {
    super(message === undefined ? '' : StringCtor(message));
    const n = name === undefined ? 'Error' : StringCtor(name);
    ObjectDefineProperty(this, 'name', { value: n, writable: true, enumerable: false, configurable: true });
  }
  get code() { return DOM_EXCEPTION_CODES[this.name] || 0; }
}

const eventStates = new WeakMapCtor();
class Event {
  constructor(type, init) {
    if (arguments.length === 0) throw new TypeErrorCtor('The "type" argument must be specified');
    setState(eventStates, this, {
      type: StringCtor(type), target: null, cancelable: !!(init && init.cancelable),
      bubbles: !!(init && init.bubbles), defaultPrevented: false, stop: false, timeStamp: Date.now(),
    });
  }
  get type() { return stateOf(eventStates, this, 'Event').type; }
  get target() { return stateOf(eventStates, this, 'Event').target; }
  get currentTarget() { return stateOf(eventStates, this, 'Event').target; }
  get srcElement() { return stateOf(eventStates, this, 'Event').target; }
  get cancelable() { return stateOf(eventStates, this, 'Event').cancelable; }
  get bubbles() { return stateOf(eventStates, this, 'Event').bubbles; }
  get defaultPrevented() { return stateOf(eventStates, this, 'Event').defaultPrevented; }
  get timeStamp() { return stateOf(eventStates, this, 'Event').timeStamp; }
  get isTrusted() { return false; }
  preventDefault() { const s = stateOf(eventStates, this, 'Event'); if (s.cancelable) s.defaultPrevented = true; }
  stopPropagation() {}
  stopImmediatePropagation() { stateOf(eventStates, this, 'Event').stop = true; }
}

const listenerStates = new WeakMapCtor();
function listenersOf(target) {
  let state = ReflectApply(WeakMapGet, listenerStates, [target]);
  if (state === undefined) { state = new MapCtor(); setState(listenerStates, target, state); }
  return state;
}

class EventTarget {
  addEventListener(type, listener, options) {
    if (listener === null || listener === undefined) return;
    const map = listenersOf(this);
    const key = StringCtor(type);
    let list = ReflectApply(MapGet, map, [key]);
    if (list === undefined) { list = []; ReflectApply(MapSet, map, [key, list]); }
    for (let i = 0; i < list.length; i++) if (list[i].listener === listener) return;
    const once = typeof options === 'object' && options !== null && !!options.once;
    list[list.length] = { listener, once };
    const signal = typeof options === 'object' && options !== null ? options.signal : undefined;
    if (signal !== undefined && signal !== null) {
      const self = this;
      signal.addEventListener('abort', function () { self.removeEventListener(type, listener); }, { once: true });
    }
  }
  removeEventListener(type, listener) {
    const list = ReflectApply(MapGet, listenersOf(this), [StringCtor(type)]);
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      if (list[i].listener === listener) { list.splice(i, 1); return; }
    }
  }
  dispatchEvent(event) {
    const state = stateOf(eventStates, event, 'Event');
    state.target = this;
    const list = ReflectApply(MapGet, listenersOf(this), [state.type]);
    const handlerName = 'on' + state.type;
    const handler = this[handlerName];
    const todo = list === undefined ? [] : list.slice();
    if (typeof handler === 'function') todo[todo.length] = { listener: handler, once: false };
    for (let i = 0; i < todo.length; i++) {
      if (state.stop) break;
      const entry = todo[i];
      if (entry.once) this.removeEventListener(state.type, entry.listener);
      try {
        if (typeof entry.listener === 'function') ReflectApply(entry.listener, this, [event]);
        else if (entry.listener && typeof entry.listener.handleEvent === 'function') entry.listener.handleEvent(event);
      } catch (error) {
        // As in browsers and Node: a throwing listener does not stop the others; it is reported.
        ReflectApply(PromiseThen, PromiseCtor.resolve(), [function () { throw error; }]);
      }
    }
    return !state.defaultPrevented;
  }
}

// ---- AbortController -------------------------------------------------------------------------

const signalStates = new WeakMapCtor();
const SIGNAL_TOKEN = {};

class AbortSignal extends EventTarget {
  constructor(token) {
    if (token !== SIGNAL_TOKEN) throw new TypeErrorCtor('Illegal constructor');
    super();
    setState(signalStates, this, { aborted: false, reason: undefined });
    this.onabort = null;
  }
  get aborted() { return stateOf(signalStates, this, 'AbortSignal').aborted; }
  get reason() { return stateOf(signalStates, this, 'AbortSignal').reason; }
  throwIfAborted() { const s = stateOf(signalStates, this, 'AbortSignal'); if (s.aborted) throw s.reason; }
  static abort(reason) {
    const signal = new AbortSignal(SIGNAL_TOKEN);
    abortSignal(signal, reason);
    return signal;
  }
  static timeout(ms) {
    const signal = new AbortSignal(SIGNAL_TOKEN);
    setTimeout(function () {
      abortSignal(signal, new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    }, ms);
    return signal;
  }
  static any(signals) {
    const signal = new AbortSignal(SIGNAL_TOKEN);
    const list = [];
    for (const s of signals) list[list.length] = s;
    for (let i = 0; i < list.length; i++) {
      if (list[i].aborted) { abortSignal(signal, list[i].reason); return signal; }
    }
    for (let i = 0; i < list.length; i++) {
      const source = list[i];
      source.addEventListener('abort', function () { abortSignal(signal, source.reason); }, { once: true });
    }
    return signal;
  }
}

function abortSignal(signal, reason) {
  const state = stateOf(signalStates, signal, 'AbortSignal');
  if (state.aborted) return;
  state.aborted = true;
  state.reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
  signal.dispatchEvent(new Event('abort'));
}

const controllerSignals = new WeakMapCtor();
class AbortController {
  constructor() { setState(controllerSignals, this, new AbortSignal(SIGNAL_TOKEN)); }
  get signal() { return stateOf(controllerSignals, this, 'AbortController'); }
  abort(reason) { abortSignal(stateOf(controllerSignals, this, 'AbortController'), reason); }
}

// ---- TextEncoder, TextDecoder, atob, btoa ----------------------------------------------------

class TextEncoder {
  get encoding() { return 'utf-8'; }
  encode(input) { return utf8Encode(input === undefined ? '' : input); }
  encodeInto(source, destination) {
    const bytes = utf8Encode(source);
    // Whole characters only: back off to the last lead byte that fits.
    let n = bytes.length <= destination.length ? bytes.length : destination.length;
    if (n < bytes.length) while (n > 0 && (bytes[n] & 0xc0) === 0x80) n--;
    destination.set(bytes.subarray(0, n));
    const written = utf8Decode(bytes.subarray(0, n), false);
    return { read: written.length, written: n };
  }
}

const decoderStates = new WeakMapCtor();
class TextDecoder {
  constructor(label, options) {
    const name = label === undefined ? 'utf-8' : StringCtor(label).trim().toLowerCase();
    if (name !== 'utf-8' && name !== 'utf8' && name !== 'unicode-1-1-utf-8') {
      throw new RangeErrorCtor('The "' + name + '" encoding is not supported (the sandbox decodes utf-8 only)');
    }
    setState(decoderStates, this, {
      fatal: !!(options && options.fatal), ignoreBOM: !!(options && options.ignoreBOM),
    });
  }
  get encoding() { return 'utf-8'; }
  get fatal() { return stateOf(decoderStates, this, 'TextDecoder').fatal; }
  get ignoreBOM() { return stateOf(decoderStates, this, 'TextDecoder').ignoreBOM; }
  decode(input) {
    const state = stateOf(decoderStates, this, 'TextDecoder');
    if (input === undefined) return '';
    let bytes;
    if (input instanceof ArrayBufferCtor) bytes = new Uint8ArrayCtor(input);
    else if (ArrayBufferIsView(input)) bytes = new Uint8ArrayCtor(input.buffer, input.byteOffset, input.byteLength);
    else throw new TypeErrorCtor('The "input" argument must be an ArrayBuffer or an ArrayBufferView');
    if (!state.ignoreBOM && bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      bytes = bytes.subarray(3);
    }
    if (state.fatal) return utf8DecodeSlow(bytes, true);
    return utf8Decode(bytes, false);
  }
}

function btoa(data) {
  if (arguments.length === 0) throw new TypeErrorCtor('The "data" argument must be specified');
  const text = StringCtor(data);
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 255) throw new DOMException('Invalid character', 'InvalidCharacterError');
  }
  return base64Encode(bytesFromLatin1(text), false);
}

function atob(data) {
  if (arguments.length === 0) throw new TypeErrorCtor('The "data" argument must be specified');
  let text = ReflectApply(StringReplace, StringCtor(data), [/[\t\n\f\r ]/g, '']);
  if (text.length % 4 === 0) text = ReflectApply(StringReplace, text, [/={1,2}$/, '']);
  if (text.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(text)) {
    throw new DOMException('The string to be decoded is not correctly encoded.', 'InvalidCharacterError');
  }
  return latin1FromBytes(base64Decode(text));
}

// ---- URL, URLSearchParams --------------------------------------------------------------------

const urlStates = new WeakMapCtor();
const paramsStates = new WeakMapCtor();

/**
 * Parsed absolute URLs by their text: a hook usually calls the same few endpoints on every call,
 * and each parse is a call out to the worker (about 10 µs). Records are never changed in place
 * (setters replace them), so one can be shared. Bounded: at most URL_CACHE_ENTRIES entries of at
 * most URL_CACHE_MAX_CHARS characters; the cache is emptied when full.
 */
const URL_CACHE_ENTRIES = 64;
const URL_CACHE_MAX_CHARS = 2048;
const urlCache = new MapCtor();
const MapClear = Map.prototype.clear;
let urlCacheEntries = 0;

function parseUrlRecord(input, base) {
  const cacheable = base === undefined && input.length <= URL_CACHE_MAX_CHARS;
  if (cacheable) {
    const cached = ReflectApply(MapGet, urlCache, [input]);
    if (cached !== undefined) return cached;
  }
  const answer = hostService('url', input, base, undefined);
  if (answer === 'error:') return undefined;
  const record = JSONParse(answer);
  if (cacheable) {
    if (urlCacheEntries >= URL_CACHE_ENTRIES) {
      ReflectApply(MapClear, urlCache, []);
      urlCacheEntries = 0;
    }
    ReflectApply(MapSet, urlCache, [input, record]);
    urlCacheEntries++;
  }
  return record;
}

function invalidUrl(input) {
  const error = new TypeErrorCtor('Invalid URL');
  error.code = 'ERR_INVALID_URL';
  error.input = input;
  return error;
}

class URL {
  constructor(url, base) {
    if (arguments.length === 0) throw new TypeErrorCtor('The "url" argument must be specified');
    const input = wellFormed(url);
    const record = parseUrlRecord(input, base === undefined ? undefined : wellFormed(base));
    if (record === undefined) throw invalidUrl(input);
    setState(urlStates, this, { record, params: undefined });
  }
  static canParse(url, base) {
    return parseUrlRecord(wellFormed(url), base === undefined ? undefined : wellFormed(base)) !== undefined;
  }
  static parse(url, base) {
    try { return new URL(url, base); } catch (e) { return null; }
  }
  get href() { return stateOf(urlStates, this, 'URL').record.href; }
  set href(value) {
    const state = stateOf(urlStates, this, 'URL');
    const record = parseUrlRecord(wellFormed(value), undefined);
    if (record === undefined) throw invalidUrl(StringCtor(value));
    state.record = record;
    syncParams(state);
  }
  get origin() { return stateOf(urlStates, this, 'URL').record.origin; }
  get protocol() { return stateOf(urlStates, this, 'URL').record.protocol; }
  set protocol(v) { setUrlField(this, 'protocol', v); }
  get username() { return stateOf(urlStates, this, 'URL').record.username; }
  set username(v) { setUrlField(this, 'username', v); }
  get password() { return stateOf(urlStates, this, 'URL').record.password; }
  set password(v) { setUrlField(this, 'password', v); }
  get host() { return stateOf(urlStates, this, 'URL').record.host; }
  set host(v) { setUrlField(this, 'host', v); }
  get hostname() { return stateOf(urlStates, this, 'URL').record.hostname; }
  set hostname(v) { setUrlField(this, 'hostname', v); }
  get port() { return stateOf(urlStates, this, 'URL').record.port; }
  set port(v) { setUrlField(this, 'port', v); }
  get pathname() { return stateOf(urlStates, this, 'URL').record.pathname; }
  set pathname(v) { setUrlField(this, 'pathname', v); }
  get search() { return stateOf(urlStates, this, 'URL').record.search; }
  set search(v) { setUrlField(this, 'search', v); }
  get hash() { return stateOf(urlStates, this, 'URL').record.hash; }
  set hash(v) { setUrlField(this, 'hash', v); }
  get searchParams() {
    const state = stateOf(urlStates, this, 'URL');
    if (state.params === undefined) {
      state.params = new URLSearchParams(state.record.search);
      stateOf(paramsStates, state.params, 'URLSearchParams').url = state;
    }
    return state.params;
  }
  toString() { return stateOf(urlStates, this, 'URL').record.href; }
  toJSON() { return stateOf(urlStates, this, 'URL').record.href; }
}

function setUrlField(url, field, value) {
  const state = stateOf(urlStates, url, 'URL');
  const answer = hostService('url-set', state.record.href, field, wellFormed(value));
  if (answer === 'error:') return;
  state.record = JSONParse(answer);
  if (field === 'search' || field === 'href') syncParams(state);
}

function syncParams(urlState) {
  if (urlState.params === undefined) return;
  const params = stateOf(paramsStates, urlState.params, 'URLSearchParams');
  params.list = parseForm(urlState.record.search);
}

function formEncode(text) {
  return ReflectApply(StringReplace, EncodeURIComponent(wellFormed(text)), [/[!'()~]|%20/g, function (c) {
    return c === '%20' ? '+' : '%' + c.charCodeAt(0).toString(16).toUpperCase();
  }]);
}

function percentDecode(text) {
  try { return DecodeURIComponent(text); } catch (e) {}
  const bytes = utf8Encode(text);
  const out = new Uint8ArrayCtor(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 37 && i + 2 < bytes.length) {
      const hex = StringFromCharCode(bytes[i + 1], bytes[i + 2]);
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) { out[n++] = parseInt(hex, 16); i += 2; continue; }
    }
    out[n++] = b;
  }
  return utf8DecodeSlow(out.subarray(0, n), false);
}

function parseForm(text) {
  const list = [];
  let input = StringCtor(text);
  if (input[0] === '?') input = ReflectApply(StringSlice, input, [1]);
  if (input === '') return list;
  const pieces = input.split('&');
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i];
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const name = eq < 0 ? piece : ReflectApply(StringSlice, piece, [0, eq]);
    const value = eq < 0 ? '' : ReflectApply(StringSlice, piece, [eq + 1]);
    list[list.length] = [
      percentDecode(ReflectApply(StringReplace, name, [/\+/g, ' '])),
      percentDecode(ReflectApply(StringReplace, value, [/\+/g, ' '])),
    ];
  }
  return list;
}

function serializeForm(list) {
  let out = '';
  for (let i = 0; i < list.length; i++) {
    if (i > 0) out += '&';
    out += formEncode(list[i][0]) + '=' + formEncode(list[i][1]);
  }
  return out;
}

function paramsChanged(state) {
  if (state.url === undefined) return;
  const text = serializeForm(state.list);
  const answer = hostService('url-set', state.url.record.href, 'search', text);
  if (answer !== 'error:') state.url.record = JSONParse(answer);
}

class URLSearchParams {
  constructor(init) {
    let list = [];
    if (init === undefined || init === null) list = [];
    else if (typeof init === 'object' || typeof init === 'function') {
      if (typeof init[SymbolIterator] === 'function') {
        for (const pair of init) {
          const items = [];
          for (const item of pair) items[items.length] = item;
          if (items.length !== 2) throw new TypeErrorCtor('Each query pair must be an iterable [name, value] tuple');
          list[list.length] = [wellFormed(items[0]), wellFormed(items[1])];
        }
      } else {
        const keys = ObjectKeys(init);
        for (let i = 0; i < keys.length; i++) list[list.length] = [wellFormed(keys[i]), wellFormed(init[keys[i]])];
      }
    } else list = parseForm(wellFormed(init));
    setState(paramsStates, this, { list, url: undefined });
  }
  get size() { return stateOf(paramsStates, this, 'URLSearchParams').list.length; }
  append(name, value) {
    const state = stateOf(paramsStates, this, 'URLSearchParams');
    state.list[state.list.length] = [wellFormed(name), wellFormed(value)];
    paramsChanged(state);
  }
  delete(name, value) {
    const state = stateOf(paramsStates, this, 'URLSearchParams');
    const n = wellFormed(name);
    const v = value === undefined ? undefined : wellFormed(value);
    state.list = state.list.filter(function (p) { return !(p[0] === n && (v === undefined || p[1] === v)); });
    paramsChanged(state);
  }
  get(name) {
    const n = wellFormed(name);
    const list = stateOf(paramsStates, this, 'URLSearchParams').list;
    for (let i = 0; i < list.length; i++) if (list[i][0] === n) return list[i][1];
    return null;
  }
  getAll(name) {
    const n = wellFormed(name);
    return stateOf(paramsStates, this, 'URLSearchParams').list
      .filter(function (p) { return p[0] === n; }).map(function (p) { return p[1]; });
  }
  has(name, value) {
    const n = wellFormed(name);
    const v = value === undefined ? undefined : wellFormed(value);
    return stateOf(paramsStates, this, 'URLSearchParams').list
      .some(function (p) { return p[0] === n && (v === undefined || p[1] === v); });
  }
  set(name, value) {
    const state = stateOf(paramsStates, this, 'URLSearchParams');
    const n = wellFormed(name);
    const v = wellFormed(value);
    const out = [];
    let found = false;
    for (let i = 0; i < state.list.length; i++) {
      if (state.list[i][0] !== n) out[out.length] = state.list[i];
      else if (!found) { found = true; out[out.length] = [n, v]; }
    }
    if (!found) out[out.length] = [n, v];
    state.list = out;
    paramsChanged(state);
  }
  sort() {
    const state = stateOf(paramsStates, this, 'URLSearchParams');
    const indexed = state.list.map(function (p, i) { return [p, i]; });
    indexed.sort(function (a, b) { return a[0][0] < b[0][0] ? -1 : a[0][0] > b[0][0] ? 1 : a[1] - b[1]; });
    state.list = indexed.map(function (x) { return x[0]; });
    paramsChanged(state);
  }
  forEach(callback, thisArg) {
    const list = stateOf(paramsStates, this, 'URLSearchParams').list;
    for (let i = 0; i < list.length; i++) ReflectApply(callback, thisArg, [list[i][1], list[i][0], this]);
  }
  *entries() { const list = stateOf(paramsStates, this, 'URLSearchParams').list; for (let i = 0; i < list.length; i++) yield [list[i][0], list[i][1]]; }
  *keys() { const list = stateOf(paramsStates, this, 'URLSearchParams').list; for (let i = 0; i < list.length; i++) yield list[i][0]; }
  *values() { const list = stateOf(paramsStates, this, 'URLSearchParams').list; for (let i = 0; i < list.length; i++) yield list[i][1]; }
  [SymbolIterator]() { return this.entries(); }
  toString() { return serializeForm(stateOf(paramsStates, this, 'URLSearchParams').list); }
}

// ---- Headers ---------------------------------------------------------------------------------

const TOKEN = /^[!#$%&'*+.^_\x60|~0-9A-Za-z-]+$/;
const headerStates = new WeakMapCtor();

function headerValue(value) {
  const text = ReflectApply(StringReplace, StringCtor(value), [/^[\t\n\r ]+|[\t\n\r ]+$/g, '']);
  if (/[\0\r\n]/.test(text)) throw new TypeErrorCtor('Invalid header value');
  return text;
}
function headerName(name) {
  const text = StringCtor(name);
  if (!TOKEN.test(text)) throw new TypeErrorCtor('Invalid header name: "' + text + '"');
  return text.toLowerCase();
}

class Headers {
  constructor(init) {
    setState(headerStates, this, { map: new MapCtor() });
    if (init === undefined || init === null) return;
    if (init instanceof Headers) {
      const self = this;
      init.forEach(function (value, name) { self.append(name, value); });
      const cookies = init.getSetCookie();
      if (cookies.length > 0) { this.delete('set-cookie'); for (let i = 0; i < cookies.length; i++) this.append('set-cookie', cookies[i]); }
    } else if (typeof init[SymbolIterator] === 'function') {
      for (const pair of init) {
        const items = [];
        for (const item of pair) items[items.length] = item;
        if (items.length !== 2) throw new TypeErrorCtor('Header pairs must contain exactly two items');
        this.append(items[0], items[1]);
      }
    } else if (typeof init === 'object') {
      const keys = ObjectKeys(init);
      for (let i = 0; i < keys.length; i++) {
        const value = init[keys[i]];
        if (ArrayIsArray(value)) for (let j = 0; j < value.length; j++) this.append(keys[i], value[j]);
        else this.append(keys[i], value);
      }
    } else {
      throw new TypeErrorCtor('Headers must be an object, an iterable of pairs or a Headers');
    }
  }
  append(name, value) {
    const map = stateOf(headerStates, this, 'Headers').map;
    const n = headerName(name);
    const v = headerValue(value);
    const list = ReflectApply(MapGet, map, [n]);
    if (list === undefined) ReflectApply(MapSet, map, [n, [v]]);
    else list[list.length] = v;
  }
  delete(name) { ReflectApply(MapDelete, stateOf(headerStates, this, 'Headers').map, [headerName(name)]); }
  get(name) {
    const list = ReflectApply(MapGet, stateOf(headerStates, this, 'Headers').map, [headerName(name)]);
    return list === undefined ? null : list.join(', ');
  }
  getSetCookie() {
    const list = ReflectApply(MapGet, stateOf(headerStates, this, 'Headers').map, ['set-cookie']);
    return list === undefined ? [] : list.slice();
  }
  has(name) { return ReflectApply(MapGet, stateOf(headerStates, this, 'Headers').map, [headerName(name)]) !== undefined; }
  set(name, value) { ReflectApply(MapSet, stateOf(headerStates, this, 'Headers').map, [headerName(name), [headerValue(value)]]); }
  forEach(callback, thisArg) {
    const entries = headerEntries(this);
    for (let i = 0; i < entries.length; i++) ReflectApply(callback, thisArg, [entries[i][1], entries[i][0], this]);
  }
  *entries() { const e = headerEntries(this); for (let i = 0; i < e.length; i++) yield e[i]; }
  *keys() { const e = headerEntries(this); for (let i = 0; i < e.length; i++) yield e[i][0]; }
  *values() { const e = headerEntries(this); for (let i = 0; i < e.length; i++) yield e[i][1]; }
  [SymbolIterator]() { return this.entries(); }
}

/** Sorted by name, values combined, set-cookie kept apart (the fetch standard's "sort and combine"). */
function headerEntries(headers) {
  const map = stateOf(headerStates, headers, 'Headers').map;
  const names = [];
  ReflectApply(MapForEach, map, [function (values, name) { names[names.length] = name; }]);
  names.sort();
  const out = [];
  for (let i = 0; i < names.length; i++) {
    const values = ReflectApply(MapGet, map, [names[i]]);
    if (names[i] === 'set-cookie') for (let j = 0; j < values.length; j++) out[out.length] = ['set-cookie', values[j]];
    else out[out.length] = [names[i], values.join(', ')];
  }
  return out;
}

/**
 * A response's Headers from the worker's [name, value] pairs, filled directly: the worker's HTTP
 * parser already refused malformed headers and trimmed values, so only what Headers itself would
 * refuse is skipped (no regular-expression trim per value).
 */
function responseHeaders(pairs) {
  const headers = new Headers();
  const map = stateOf(headerStates, headers, 'Headers').map;
  for (let i = 0; i < pairs.length; i++) {
    const name = pairs[i][0];
    const value = pairs[i][1];
    if (!TOKEN.test(name) || /[\0\r\n]/.test(value)) continue;
    const key = name.toLowerCase();
    const list = ReflectApply(MapGet, map, [key]);
    if (list === undefined) ReflectApply(MapSet, map, [key, [value]]);
    else list[list.length] = value;
  }
  return headers;
}

/** Every header as sent, as [name, value] pairs (for the worker). */
function headerPairs(headers) {
  const out = [];
  ReflectApply(MapForEach, stateOf(headerStates, headers, 'Headers').map, [function (values, name) {
    for (let i = 0; i < values.length; i++) out[out.length] = [name, values[i]];
  }]);
  return out;
}

// ---- Blob, bodies ----------------------------------------------------------------------------

const blobStates = new WeakMapCtor();
class Blob {
  constructor(parts, options) {
    const chunks = [];
    let size = 0;
    if (parts !== undefined) {
      for (const part of parts) {
        let bytes;
        if (part instanceof Blob) bytes = stateOf(blobStates, part, 'Blob').bytes;
        else if (part instanceof ArrayBufferCtor) bytes = new Uint8ArrayCtor(part);
        else if (ArrayBufferIsView(part)) bytes = new Uint8ArrayCtor(part.buffer, part.byteOffset, part.byteLength);
        else bytes = utf8Encode(part);
        chunks[chunks.length] = bytes;
        size += bytes.length;
      }
    }
    const all = new Uint8ArrayCtor(size);
    let at = 0;
    for (let i = 0; i < chunks.length; i++) { all.set(chunks[i], at); at += chunks[i].length; }
    const type = options && options.type !== undefined ? StringCtor(options.type) : '';
    setState(blobStates, this, { bytes: all, type: /^[\x20-\x7e]*$/.test(type) ? type.toLowerCase() : '' });
  }
  get size() { return stateOf(blobStates, this, 'Blob').bytes.length; }
  get type() { return stateOf(blobStates, this, 'Blob').type; }
  slice(start, end, type) {
    const bytes = stateOf(blobStates, this, 'Blob').bytes;
    return new Blob([bytes.slice(start, end)], { type: type === undefined ? '' : type });
  }
  text() { const s = stateOf(blobStates, this, 'Blob'); return PromiseCtor.resolve(utf8Decode(s.bytes, false)); }
  arrayBuffer() { const s = stateOf(blobStates, this, 'Blob'); return PromiseCtor.resolve(copyBytes(s.bytes).buffer); }
  bytes() { const s = stateOf(blobStates, this, 'Blob'); return PromiseCtor.resolve(copyBytes(s.bytes)); }
}

function extractBody(body) {
  if (body === undefined || body === null) return { bytes: null, type: null };
  if (typeof body === 'string') return { bytes: utf8Encode(body), type: 'text/plain;charset=UTF-8' };
  if (body instanceof URLSearchParams) {
    return { bytes: utf8Encode(body.toString()), type: 'application/x-www-form-urlencoded;charset=UTF-8' };
  }
  if (body instanceof ArrayBufferCtor) return { bytes: copyBytes(new Uint8ArrayCtor(body)), type: null };
  if (ArrayBufferIsView(body)) return { bytes: copyBytes(body), type: null };
  if (body instanceof Blob) {
    const state = stateOf(blobStates, body, 'Blob');
    return { bytes: state.bytes, type: state.type === '' ? null : state.type };
  }
  if (body instanceof FormData) return extractFormData(body); // isolate-bodies.ts
  if (typeof body === 'object' && typeof body.getReader === 'function') {
    throw new TypeErrorCtor('[openhooks] stream bodies are not supported in the sandbox; pass a string or bytes');
  }
  return { bytes: utf8Encode(StringCtor(body)), type: 'text/plain;charset=UTF-8' };
}

const bodyStates = new WeakMapCtor();

/** The body's bytes, or its text when asked for and the worker decoded it already (valid UTF-8). */
function consume(object, wantText) {
  const state = ReflectApply(WeakMapGet, bodyStates, [object]);
  if (state === undefined) return PromiseCtor.reject(new TypeErrorCtor('Illegal invocation'));
  if (state.used) return PromiseCtor.reject(new TypeErrorCtor('Body is unusable: Body has already been read'));
  if (state.bytes !== null) state.used = true;
  if (wantText === true && state.text !== undefined) return PromiseCtor.resolve(state.text);
  return PromiseCtor.resolve(state.bytes === null ? new Uint8ArrayCtor(0) : state.bytes);
}
/** The body as text for text() and json(): UTF-8 decoded, a leading byte order mark dropped, as in fetch. */
function textOf(body) {
  const text = typeof body === 'string' ? body : utf8Decode(body, false);
  return text[0] === '\uFEFF' ? ReflectApply(StringSlice, text, [1]) : text;
}

const bodyMethods = {
  arrayBuffer() { return ReflectApply(PromiseThen, consume(this), [function (b) { return copyBytes(b).buffer; }]); },
  bytes() { return ReflectApply(PromiseThen, consume(this), [function (b) { return copyBytes(b); }]); },
  text() { return ReflectApply(PromiseThen, consume(this, true), [textOf]); },
  json() { return ReflectApply(PromiseThen, consume(this, true), [function (b) { return JSONParse(textOf(b)); }]); },
  blob() {
    const self = this;
    return ReflectApply(PromiseThen, consume(this), [function (b) {
      return new Blob([b], { type: self.headers.get('content-type') || '' });
    }]);
  },
  formData() { return PromiseCtor.reject(new TypeErrorCtor('[openhooks] formData() is not supported in the sandbox')); },
};

function addBodyMethods(target) {
  const names = ObjectKeys(bodyMethods);
  for (let i = 0; i < names.length; i++) {
    ObjectDefineProperty(target.prototype, names[i], { value: bodyMethods[names[i]], writable: true, enumerable: false, configurable: true });
  }
  ObjectDefineProperty(target.prototype, 'bodyUsed', {
    get() { const s = ReflectApply(WeakMapGet, bodyStates, [this]); return s !== undefined && s.used; },
    enumerable: false, configurable: true,
  });
  ObjectDefineProperty(target.prototype, 'body', {
    get() { return null; }, enumerable: false, configurable: true,
  });
}

// ---- Request, Response -----------------------------------------------------------------------

const requestStates = new WeakMapCtor();
const METHODS_TO_UPPER = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH'];

class Request {
  constructor(input, init) {
    const options = init === undefined || init === null ? {} : init;
    let url;
    let method = 'GET';
    let headersInit;
    let bytes = null;
    let signal = null;
    let redirect = 'follow';
    if (input instanceof Request) {
      const source = stateOf(requestStates, input, 'Request');
      url = source.url;
      method = source.method;
      headersInit = input.headers;
      const sourceBody = ReflectApply(WeakMapGet, bodyStates, [input]);
      if (sourceBody.used) throw new TypeErrorCtor('Cannot construct a Request with a Request whose body has already been used');
      bytes = sourceBody.bytes;
      signal = source.signal;
      redirect = source.redirect;
    } else {
      const parsed = parseUrlRecord(wellFormed(input), undefined);
      if (parsed === undefined) throw new TypeErrorCtor('Failed to parse URL from ' + safeString(input));
      if (parsed.username !== '' || parsed.password !== '') {
        throw new TypeErrorCtor('Request cannot be constructed from a URL that includes credentials: ' + parsed.href);
      }
      url = parsed.href;
    }
    if (options.method !== undefined) {
      const m = StringCtor(options.method);
      if (!TOKEN.test(m)) throw new TypeErrorCtor("'" + m + "' is not a valid HTTP method.");
      method = METHODS_TO_UPPER.indexOf(m.toUpperCase()) >= 0 ? m.toUpperCase() : m;
      if (method === 'CONNECT' || method === 'TRACE' || method === 'TRACK') throw new TypeErrorCtor("'" + m + "' HTTP method is unsupported.");
    }
    if (options.headers !== undefined) headersInit = options.headers;
    const headers = new Headers(headersInit);
    if (options.body !== undefined && options.body !== null) {
      if (method === 'GET' || method === 'HEAD') throw new TypeErrorCtor('Request with GET/HEAD method cannot have body.');
      const extracted = extractBody(options.body);
      bytes = extracted.bytes;
      if (extracted.type !== null && !headers.has('content-type')) headers.set('content-type', extracted.type);
    }
    if (options.signal !== undefined) signal = options.signal;
    if (options.redirect !== undefined) {
      redirect = StringCtor(options.redirect);
      if (redirect !== 'follow' && redirect !== 'manual' && redirect !== 'error') {
        throw new TypeErrorCtor("'" + redirect + "' is not a valid value for redirect");
      }
    }
    // signal stays null until read: fetch(url) then needs no AbortController of its own.
    setState(requestStates, this, { url, method, headers, signal, redirect });
    setState(bodyStates, this, { bytes, used: false });
  }
  get url() { return stateOf(requestStates, this, 'Request').url; }
  get method() { return stateOf(requestStates, this, 'Request').method; }
  get headers() { return stateOf(requestStates, this, 'Request').headers; }
  get signal() {
    const state = stateOf(requestStates, this, 'Request');
    if (state.signal === null) state.signal = new AbortController().signal;
    return state.signal;
  }
  get redirect() { return stateOf(requestStates, this, 'Request').redirect; }
  get cache() { return 'default'; }
  get credentials() { return 'same-origin'; }
  get mode() { return 'cors'; }
  get referrer() { return 'about:client'; }
  get referrerPolicy() { return ''; }
  get integrity() { return ''; }
  get keepalive() { return false; }
  get destination() { return ''; }
  get isReloadNavigation() { return false; }
  get isHistoryNavigation() { return false; }
  clone() {
    const body = ReflectApply(WeakMapGet, bodyStates, [this]);
    if (body === undefined || body.used) throw new TypeErrorCtor('Request.clone: Body has already been consumed.');
    return new Request(this);
  }
}
addBodyMethods(Request);

const responseStates = new WeakMapCtor();
const NULL_BODY_STATUSES = [101, 103, 204, 205, 304];
const REDIRECT_STATUSES = [301, 302, 303, 307, 308];

class Response {
  constructor(body, init) {
    const options = init === undefined || init === null ? {} : init;
    const status = options.status === undefined ? 200 : NumberCtor(options.status);
    if (!(status >= 200 && status <= 599) || MathTrunc(status) !== status) {
      throw new RangeErrorCtor('init["status"] must be in the range of 200 to 599, inclusive.');
    }
    const headers = new Headers(options.headers);
    let bytes = null;
    if (body !== undefined && body !== null) {
      if (NULL_BODY_STATUSES.indexOf(status) >= 0) throw new TypeErrorCtor('Response constructor: Invalid response status code ' + status);
      const extracted = extractBody(body);
      bytes = extracted.bytes;
      if (extracted.type !== null && !headers.has('content-type')) headers.set('content-type', extracted.type);
    }
    setState(responseStates, this, {
      status, statusText: options.statusText === undefined ? '' : StringCtor(options.statusText),
      headers, type: 'default', url: '', redirected: false,
    });
    setState(bodyStates, this, { bytes, used: false });
  }
  static error() {
    const response = new Response(null, { status: 200 });
    const state = stateOf(responseStates, response, 'Response');
    state.status = 0;
    state.type = 'error';
    return response;
  }
  static json(data, init) {
    const text = JSONStringify(data);
    if (text === undefined) throw new TypeErrorCtor('Value is not JSON serializable');
    const response = new Response(text, init);
    response.headers.set('content-type', 'application/json');
    return response;
  }
  static redirect(url, status) {
    const code = status === undefined ? 302 : status;
    if (REDIRECT_STATUSES.indexOf(code) < 0) throw new RangeErrorCtor('Invalid status code ' + code);
    return new Response(null, { status: code, headers: { location: new URL(url).href } });
  }
  get status() { return stateOf(responseStates, this, 'Response').status; }
  get ok() { const s = stateOf(responseStates, this, 'Response').status; return s >= 200 && s <= 299; }
  get statusText() { return stateOf(responseStates, this, 'Response').statusText; }
  get headers() { return stateOf(responseStates, this, 'Response').headers; }
  get type() { return stateOf(responseStates, this, 'Response').type; }
  get url() { return stateOf(responseStates, this, 'Response').url; }
  get redirected() { return stateOf(responseStates, this, 'Response').redirected; }
  clone() {
    const state = stateOf(responseStates, this, 'Response');
    const body = ReflectApply(WeakMapGet, bodyStates, [this]);
    if (body.used) throw new TypeErrorCtor('Response.clone: Body has already been consumed.');
    return makeResponse(state.status, state.statusText, new Headers(state.headers), body.bytes, state.url, state.redirected, state.type, body.text);
  }
}
addBodyMethods(Response);

function makeResponse(status, statusText, headers, bytes, url, redirected, type, text) {
  const response = new Response(null);
  setState(responseStates, response, { status, statusText, headers, type, url, redirected });
  setState(bodyStates, response, { bytes, text, used: false });
  return response;
}

// ---- outbound requests (the worker makes them; egress-client.ts) -----------------------------

const pendingRequests = new MapCtor();
let nextRequestId = 1;

/**
 * Asks the worker to make a request. spec: { method, url, headers: [[name, value]], redirect,
 * decompress, timeoutMs, api }; body: bytes or null. onResult(meta, bytes, text) is called in a
 * later entry: the response body as a Uint8Array, and as a string when it is valid UTF-8 (the
 * worker decodes it, which is much faster than decoding here). Returns the request id, or throws
 * when the worker refused at once.
 */
function startHttp(spec, bodyBytes, onResult) {
  const callId = currentCallId;
  const call = getCall(callId);
  if (call === undefined) throw new ErrorCtor('[openhooks] outbound requests are possible only during a call');
  const id = nextRequestId++;
  // The body crosses as bytes (isolated-vm copies a typed array with its whole buffer: a view
  // into a larger one is copied down to itself first).
  let body;
  if (bodyBytes !== null) {
    body = bodyBytes.byteOffset === 0 && bodyBytes.byteLength === bodyBytes.buffer.byteLength ? bodyBytes : copyBytes(bodyBytes);
  }
  const refused = hostHttp('start', callId, id, JSONStringify(spec), body);
  if (refused !== '') throw new ErrorCtor(refused);
  call.timers++;
  ReflectApply(MapSet, pendingRequests, [id, { callId, onResult }]);
  return id;
}

function abortHttp(id) {
  const pending = ReflectApply(MapGet, pendingRequests, [id]);
  if (pending === undefined) return;
  ReflectApply(MapDelete, pendingRequests, [id]);
  hostHttp('abort', pending.callId, id, undefined, undefined);
  const call = getCall(pending.callId);
  if (call !== undefined) {
    call.timers--;
    finishIfIdle(pending.callId, call);
  }
}

function httpDone(id, metaJson, body, text) {
  const pending = ReflectApply(MapGet, pendingRequests, [id]);
  if (pending === undefined) return;
  ReflectApply(MapDelete, pendingRequests, [id]);
  currentCallId = pending.callId;
  const call = getCall(pending.callId);
  if (call !== undefined) call.timers--;
  try {
    const bytes = body === undefined ? new Uint8ArrayCtor(0) : new Uint8ArrayCtor(body);
    ReflectApply(pending.onResult, undefined, [JSONParse(metaJson), bytes, text]);
  } catch (e) {
    flushDeferred();
    fail(pending.callId, e);
  }
  flushDeferred();
  if (call !== undefined) finishIfIdle(pending.callId, call);
}

function forgetRequests(callId) {
  const ids = [];
  ReflectApply(MapForEach, pendingRequests, [function (p, id) { if (p.callId === callId) define(ids, ids.length, id); }]);
  for (let i = 0; i < ids.length; i++) ReflectApply(MapDelete, pendingRequests, [ids[i]]);
}

function networkError(prefix, meta) {
  const error = new TypeErrorCtor(prefix + ': ' + meta.message);
  const cause = new ErrorCtor(meta.message);
  cause.code = meta.code;
  error.cause = cause;
  return error;
}

function fetch(input, init) {
  return new PromiseCtor(function (resolve, reject) {
    const request = new Request(input, init);
    const state = stateOf(requestStates, request, 'Request');
    const signal = state.signal;
    if (signal !== null && signal.aborted) { reject(signal.reason); return; }
    const body = ReflectApply(WeakMapGet, bodyStates, [request]);
    let id;
    function onAbort() { abortHttp(id); reject(signal.reason); }
    id = startHttp({
      method: state.method, url: state.url, headers: headerPairs(state.headers), redirect: state.redirect,
      decompress: true, api: 'fetch',
    }, body.bytes, function (meta, bytes, text) {
      if (signal !== null) signal.removeEventListener('abort', onAbort);
      if (!meta.ok) { reject(networkError('fetch failed', meta)); return; }
      resolve(makeResponse(meta.status, meta.statusText, responseHeaders(meta.headers), bytes, meta.url, meta.redirected, 'basic', text));
    });
    if (signal !== null) signal.addEventListener('abort', onAbort, { once: true });
  });
}

// ---- structuredClone, crypto -----------------------------------------------------------------

const TYPED_ARRAYS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array,
  Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array];

function cloneError(message) { return new DOMException(message, 'DataCloneError'); }

function cloneValue(value, memo) {
  const type = typeof value;
  if (type === 'symbol') throw cloneError(safeString(value) + ' could not be cloned.');
  if (type === 'function') throw cloneError(safeString(value) + ' could not be cloned.');
  if (type !== 'object' || value === null) return value;
  const seen = ReflectApply(MapGet, memo, [value]);
  if (seen !== undefined) return seen;
  let out;
  if (value instanceof Date) out = new Date(value.getTime());
  else if (value instanceof RegExp) out = new RegExp(value.source, value.flags);
  else if (value instanceof ArrayBufferCtor) out = value.slice(0);
  else if (ArrayBufferIsView(value)) {
    const buffer = cloneValue(value.buffer, memo);
    if (value instanceof DataView) out = new DataView(buffer, value.byteOffset, value.byteLength);
    else {
      const Ctor = TYPED_ARRAYS.indexOf(value.constructor) >= 0 ? value.constructor : Uint8ArrayCtor;
      out = new Ctor(buffer, value.byteOffset, value.length);
    }
  } else if (value instanceof MapCtor) {
    out = new MapCtor();
    ReflectApply(MapSet, memo, [value, out]);
    value.forEach(function (v, k) { out.set(cloneValue(k, memo), cloneValue(v, memo)); });
    return out;
  } else if (value instanceof Set) {
    out = new Set();
    ReflectApply(MapSet, memo, [value, out]);
    value.forEach(function (v) { out.add(cloneValue(v, memo)); });
    return out;
  } else if (isError(value)) {
    const name = value.name;
    const Ctor = { EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError }[name] || ErrorCtor;
    out = new Ctor(value.message);
    if (typeof value.stack === 'string') define(out, 'stack', value.stack);
    if ('cause' in value) define(out, 'cause', cloneValue(value.cause, memo));
    return out;
  } else if (value instanceof Boolean || value instanceof Number || value instanceof String) {
    out = Object(value.valueOf());
  } else if (value instanceof Blob || value instanceof Request || value instanceof Response || value instanceof Headers || value instanceof URL || value instanceof EventTarget) {
    throw cloneError('#<' + value.constructor.name + '> could not be cloned.');
  } else {
    out = ArrayIsArray(value) ? new Array(value.length) : {};
    ReflectApply(MapSet, memo, [value, out]);
    const keys = ObjectKeys(value);
    for (let i = 0; i < keys.length; i++) define(out, keys[i], cloneValue(value[keys[i]], memo));
    return out;
  }
  ReflectApply(MapSet, memo, [value, out]);
  return out;
}

function structuredClone(value, options) {
  if (arguments.length === 0) throw new TypeErrorCtor('The "value" argument must be specified');
  return cloneValue(value, new MapCtor());
}

function randomBytesLatin1(n) {
  const answer = hostService('random', n, undefined, undefined);
  if (ReflectApply(StringSlice, answer, [0, 6]) === 'error:') throw new RangeErrorCtor(ReflectApply(StringSlice, answer, [6]));
  return answer;
}

const MAX_GET_RANDOM_VALUES_BYTES = 65536;

function getRandomValues(array) {
  if (!ArrayBufferIsView(array) || array instanceof DataView || array instanceof Float32Array || array instanceof Float64Array) {
    throw new DOMException('The data argument must be an integer-type TypedArray', 'TypeMismatchError');
  }
  if (array.byteLength > MAX_GET_RANDOM_VALUES_BYTES) {
    throw new DOMException("The ArrayBufferView's byte length (" + array.byteLength + ') exceeds the number of bytes of entropy available via this API (65536)', 'QuotaExceededError');
  }
  const bytes = randomBytesLatin1(array.byteLength);
  const target = new Uint8ArrayCtor(array.buffer, array.byteOffset, array.byteLength);
  for (let i = 0; i < bytes.length; i++) target[i] = bytes.charCodeAt(i);
  return array;
}

const HEX = [];
for (let i = 0; i < 256; i++) HEX[i] = (i < 16 ? '0' : '') + i.toString(16);

function randomUUID() {
  const b = bytesFromLatin1(randomBytesLatin1(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  let out = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out += '-';
    out += HEX[b[i]];
  }
  return out;
}

const webCrypto = { getRandomValues, randomUUID };

defineGlobal('DOMException', DOMException);
defineGlobal('Event', Event);
defineGlobal('EventTarget', EventTarget);
defineGlobal('AbortSignal', AbortSignal);
defineGlobal('AbortController', AbortController);
defineGlobal('TextEncoder', TextEncoder);
defineGlobal('TextDecoder', TextDecoder);
defineGlobal('atob', atob);
defineGlobal('btoa', btoa);
defineGlobal('URL', URL);
defineGlobal('URLSearchParams', URLSearchParams);
defineGlobal('Headers', Headers);
defineGlobal('Blob', Blob);
defineGlobal('Request', Request);
defineGlobal('Response', Response);
defineGlobal('fetch', fetch);
defineGlobal('structuredClone', structuredClone);
defineGlobal('crypto', webCrypto);
`
