import { ISOLATE_BODIES_SOURCE } from './isolate-bodies.js'
import { ISOLATE_BUFFER_SOURCE } from './isolate-buffer.js'
import { ISOLATE_BUILTINS_SOURCE } from './isolate-builtins.js'
import { ISOLATE_INSPECT_SOURCE } from './isolate-inspect.js'
import { ISOLATE_WEB_SOURCE } from './isolate-web.js'

/**
 * The JavaScript that runs inside every isolate before the hook script: the console, timers,
 * `require`, the callback and the error serialisation of compat §3.4–3.5. It is evaluated once per
 * isolate with `evalClosure`; `$0`–`$2` are host callbacks that take and return primitives only,
 * and stay in this closure (never on the global object, STYLE §9.2). It returns one dispatcher
 * function the worker calls for each entry:
 *
 * - `('run', callId, argsJson, maxLogBytes, wrapper?)`: evaluates the module first when `wrapper`
 *   is given, then calls the exported function. Returns `'started'`, the completion when the
 *   hook called back before returning (`'ok'`, `'ok:<json>'`, `'error:<json>'`), `'no-function'` or
 *   `'threw:<description>'` (module evaluation failed).
 * - `('fire', timerId)`: runs a timer callback.
 * - `('end', callId)`: forgets a call and its timers (deadline reached).
 * - `('take')`: after a `run` entry that failed, the completion it held (`run`'s answers).
 * - `('http', requestId, metaJson, bodyBytes, bodyText)`: the result of an outbound request
 *   (isolate-web.ts): an ArrayBuffer (or undefined when empty), and its text when valid UTF-8.
 * - `('module', name, version, factory)`: declares a bundled dependency for `require`.
 *
 * Host callbacks:
 * - `$0 log(callId, level, message) → boolean`: false once the call's log budget is spent.
 * - `$1 timer(op, callId, timerId, delayMs, repeat) → boolean`: `op` is `'set'` or `'clear'`;
 *   `'set'` answers false when the call may create no more timers.
 * - `$2 done(callId, kind, payload)`: `kind` is `'ok'` (payload: JSON text, or undefined for no
 *   value), `'error'` (payload: JSON text of the error's own properties), `'extra'` (a second
 *   completion, ignored) or `'late-error'` (payload: description of an exception after completion).
 * - `$3 http(op, callId, requestId, specJson, bodyBytes) → string`: starts (`'start'`) or aborts
 *   (`'abort'`) an outbound request made by the worker; `''` when accepted, else why not.
 * - `$4 service(op, a, b, c) → string`: URL parsing, random bytes, hashes (host-services.ts).
 *
 * The code is strict, so `cb.caller` and `cb.arguments` throw instead of exposing this closure. It
 * keeps its own copies of the built-ins it relies on, taken before any hook code runs, so that a
 * script that patches `JSON` or `Array.prototype` breaks only itself. Nothing here is a security
 * boundary: the isolate is. A script can at worst confuse the reports about its own calls, and the
 * worker validates everything these callbacks receive.
 */
export const ISOLATE_RUNTIME_SOURCE = String.raw`
'use strict';
const hostDone = $2;
// Every other call out to the worker first hands over a completion that run() still holds
// (releaseSync): whatever the worker learns or decides next (a log, a timer over the limit, a
// request) must come after the outcome, as it did when completions always went out at once.
function hostLog(callId, level, text) { releaseSync(); return $0(callId, level, text); }
function hostTimer(op, callId, timerId, delayMs, repeat) { releaseSync(); return $1(op, callId, timerId, delayMs, repeat); }
function hostHttp(op, callId, requestId, spec, body) { releaseSync(); return $3(op, callId, requestId, spec, body); }
function hostService(op, a, b, c) { releaseSync(); return $4(op, a, b, c); }

const ReflectApply = Reflect.apply;
const ObjectCreate = Object.create;
const ObjectDefineProperty = Object.defineProperty;
const ObjectGetOwnPropertyNames = Object.getOwnPropertyNames;
const ObjectIsPrototypeOf = Object.prototype.isPrototypeOf;
const JSONStringify = JSON.stringify;
const JSONParse = JSON.parse;
const StringCtor = String;
const ErrorCtor = Error;
const ErrorPrototype = Error.prototype;
const TypeErrorCtor = TypeError;
const MapCtor = Map;
const MapGet = Map.prototype.get;
const MapSet = Map.prototype.set;
const MapDelete = Map.prototype.delete;
const MapForEach = Map.prototype.forEach;
const PromiseCtor = Promise;
const PromiseThen = Promise.prototype.then;
const StringSlice = String.prototype.slice;
const StringLastIndexOf = String.prototype.lastIndexOf;
const StringReplace = String.prototype.replace;
const NumberCtor = Number;
const MathTrunc = Math.trunc;
const NumberParseInt = Number.parseInt;
const NumberParseFloat = Number.parseFloat;
const globalObject = globalThis;

const MAX_TIMER_DELAY_MS = 2147483647;
const FORMAT_PATTERN = /%[sdifjoOc%]/g;

const calls = new MapCtor();
const timers = new MapCtor();
let currentCallId = 0;
let hookFn;
let nextTimerId = 1;

function getCall(callId) { return ReflectApply(MapGet, calls, [callId]); }

function define(target, key, value) {
  ObjectDefineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

// A completed call without timers is forgotten at the start of the next entry, not at once: the
// rest of the current entry (code after cb, microtasks) may still log or start timers for it.
// Only a count is kept: the next entry walks the few live calls (an array of ids would need
// Object.defineProperty per id, since a script may put setters on Array.prototype).
let idleCalls = 0;
function finishIfIdle(callId, call) {
  if (call.done && call.timers === 0) idleCalls++;
}
function sweep() {
  idleCalls = 0;
  ReflectApply(MapForEach, calls, [sweepOne]);
}
function sweepOne(call, callId) {
  if (call.done && call.timers === 0) ReflectApply(MapDelete, calls, [callId]);
}

// ---- errors (compat §3.5) --------------------------------------------------------------------

function isError(value) {
  try { return ReflectApply(ObjectIsPrototypeOf, ErrorPrototype, [value]); } catch (e) { return false; }
}

function safeString(value) {
  try { return StringCtor(value); } catch (e) { return 'a value that cannot be converted to a string'; }
}

function describe(value) {
  if (isError(value)) {
    try {
      const name = value.name;
      const message = value.message;
      return (typeof name === 'string' ? name : 'Error') + ': ' + safeString(message);
    } catch (e) { return 'Error'; }
  }
  return safeString(value);
}

function serializeError(value) {
  try {
    let error = value;
    if (!isError(value)) {
      // Auth0's adapter: new Error(value.message || String(value) || 'Unknown error')
      error = new ErrorCtor(value.message || StringCtor(value) || 'Unknown error');
    }
    const names = ObjectGetOwnPropertyNames(error);
    const body = ObjectCreate(null);
    for (let i = 0; i < names.length; i++) define(body, names[i], error[names[i]]);
    return JSONStringify(body);
  } catch (e) {
    return JSONStringify({ message: 'Error serializing error: ' + describe(e) });
  }
}

function toError(reason) {
  if (reason) return reason;
  return new ErrorCtor(reason === undefined || reason === null ? 'Unknown error' : safeString(reason));
}

// ---- completion (compat §3.4) ----------------------------------------------------------------

function complete(callId, error, data) {
  const call = getCall(callId);
  if (call === undefined) return;
  if (call.done) {
    if (!call.extra) {
      call.extra = true;
      hostDone(callId, 'extra', undefined);
    }
    return;
  }
  let kind = 'ok';
  let payload;
  if (error) {
    kind = 'error';
    payload = serializeError(error);
  } else {
    try {
      payload = JSONStringify(data);
    } catch (e) {
      kind = 'error';
      payload = serializeError(new ErrorCtor('Error when JSON serializing the result of the extension point'));
    }
  }
  // The call counts as done only once the host has the outcome, so that a completion cut short
  // (the stack ran out inside this function) can be retried. A completion inside the synchronous
  // part of run() travels back as run()'s return value instead of through a host callback.
  if (callId !== runningCallId) {
    hostDone(callId, kind, payload);
  } else if (held === undefined) {
    held = { callId, kind, payload, released: false };
  } // else cb was re-entered (from a toJSON of the value) and completed first: the first one stands

  call.done = true;
  finishIfIdle(callId, call);
}

// A completion that could not run where cb was called, typically because the script called cb at
// the edge of a stack overflow and the runtime itself ran out of stack. Recording it calls
// nothing; it is finished from the bottom of the stack when the entry's code returns.
let deferred;

function flushDeferred() {
  if (deferred === undefined) return;
  const pending = deferred;
  deferred = undefined;
  const call = getCall(pending.callId);
  if (call !== undefined && !call.done) complete(pending.callId, pending.error, pending.data);
}

function makeCallback(callId) {
  return function cb(error, data) {
    try {
      complete(callId, error, data);
    } catch (e) {
      if (deferred === undefined) deferred = { callId, error, data };
    }
  };
}

function fail(callId, reason) {
  const call = getCall(callId);
  if (call === undefined) return;
  if (call.done) {
    hostDone(callId, 'late-error', describe(reason));
    return;
  }
  complete(callId, toError(reason), undefined);
}


${ISOLATE_INSPECT_SOURCE}
// ---- console ---------------------------------------------------------------------------------

/** What console.log shows for one argument: strings as they are, anything else inspected. */
function inspect(value) {
  if (typeof value === 'string') return value;
  try {
    return nodeInspect(value);
  } catch (e) {
    return '[value that cannot be inspected: ' + describe(e) + ']';
  }
}

function inspectWith(value, options) {
  try {
    return nodeInspect(value, options);
  } catch (e) {
    return '[value that cannot be inspected: ' + describe(e) + ']';
  }
}

/** util.format as Node 20 does it (lib/internal/util/inspect.js formatWithOptionsInternal). */
function format(args, inspectOptions) {
  let out = '';
  let next = 0;
  const first = args[0];
  if (typeof first === 'string' && args.length > 1) {
    next = 1;
    out = ReflectApply(StringReplace, first, [FORMAT_PATTERN, function (token) {
      if (token === '%%') return '%';
      if (next >= args.length) return token;
      const value = args[next++];
      switch (token) {
        case '%s':
          if (typeof value === 'number') return formatNumber(value);
          if (typeof value === 'bigint') return safeString(value) + 'n';
          if (typeof value !== 'object' || value === null || !hasBuiltInToString(value)) return safeString(value);
          return inspectWith(value, { ...inspectOptions, depth: 0, compact: 3 });
        case '%d':
          if (typeof value === 'bigint') return safeString(value) + 'n';
          if (typeof value === 'symbol') return 'NaN';
          try { return formatNumber(NumberCtor(value)); } catch (e) { return 'NaN'; }
        case '%i':
          if (typeof value === 'bigint') return safeString(value) + 'n';
          if (typeof value === 'symbol') return 'NaN';
          try { return formatNumber(NumberParseInt(value)); } catch (e) { return 'NaN'; }
        case '%f':
          if (typeof value === 'symbol') return 'NaN';
          try { return formatNumber(NumberParseFloat(value)); } catch (e) { return 'NaN'; }
        case '%j':
          try {
            const json = JSONStringify(value);
            return json === undefined ? 'undefined' : json;
          } catch (e) {
            return '[Circular]';
          }
        case '%o': return inspectWith(value, { ...inspectOptions, showHidden: true, depth: 4 });
        case '%O': return inspectWith(value, inspectOptions);
        case '%c': return '';
        default: return token;
      }
    }]);
  } else if (args.length > 0) {
    out = typeof first === 'string' ? first : inspectWith(first, inspectOptions);
    next = 1;
  }
  for (let i = next; i < args.length; i++) {
    const value = args[i];
    out += ' ' + (typeof value === 'string' ? value : inspectWith(value, inspectOptions));
  }
  return out;
}

function consoleMethod(level) {
  return function () {
    const callId = currentCallId;
    const call = getCall(callId);
    if (call === undefined || call.logsFull) return;
    let message = format(arguments);
    if (message.length > call.maxLogBytes) message = ReflectApply(StringSlice, message, [0, call.maxLogBytes + 1]);
    if (!hostLog(callId, level, message)) call.logsFull = true;
  };
}

const consoleObject = {
  log: consoleMethod('log'),
  info: consoleMethod('info'),
  warn: consoleMethod('warn'),
  error: consoleMethod('error'),
  debug: consoleMethod('debug'),
  trace: consoleMethod('debug'),
  dir: consoleMethod('log'),
};

// ---- timers ----------------------------------------------------------------------------------

class Timeout {
  #id;
  constructor(id) { this.#id = id; }
  static idOf(value) {
    if (typeof value === 'number') return value;
    if (value !== null && typeof value === 'object' && #id in value) return value.#id;
    return undefined;
  }
  ref() { return this; }
  unref() { return this; }
  hasRef() { return true; }
  refresh() { return this; }
  [Symbol.toPrimitive]() { return this.#id; }
}

function schedule(callback, delay, args, repeat, immediate) {
  if (typeof callback !== 'function') {
    throw new TypeErrorCtor('The "callback" argument must be of type function. Received ' + typeof callback);
  }
  const callId = currentCallId;
  const call = getCall(callId);
  const id = nextTimerId++;
  if (call === undefined) return new Timeout(id);
  let ms = immediate ? -1 : NumberCtor(delay);
  if (!immediate && !(ms >= 1 && ms <= MAX_TIMER_DELAY_MS)) ms = 1;
  if (!hostTimer('set', callId, id, ms, repeat)) {
    throw new ErrorCtor('[openhooks] this call created too many timers (maxTimers)');
  }
  call.timers++;
  ReflectApply(MapSet, timers, [id, { callId, callback, args, repeat }]);
  return new Timeout(id);
}

function unschedule(handle) {
  const id = Timeout.idOf(handle);
  if (id === undefined) return;
  const timer = ReflectApply(MapGet, timers, [id]);
  if (timer === undefined) return;
  ReflectApply(MapDelete, timers, [id]);
  hostTimer('clear', timer.callId, id, 0, false);
  const call = getCall(timer.callId);
  if (call !== undefined) {
    call.timers--;
    finishIfIdle(timer.callId, call);
  }
}

function restArgs(args, from) {
  const out = [];
  for (let i = from; i < args.length; i++) define(out, i - from, args[i]);
  return out;
}

function setTimeout(callback, delay) { return schedule(callback, delay, restArgs(arguments, 2), false, false); }
function setInterval(callback, delay) { return schedule(callback, delay, restArgs(arguments, 2), true, false); }
function setImmediate(callback) { return schedule(callback, 0, restArgs(arguments, 1), false, true); }
function clearTimeout(handle) { unschedule(handle); }
function queueMicrotask(callback) {
  if (typeof callback !== 'function') {
    throw new TypeErrorCtor('The "callback" argument must be of type function. Received ' + typeof callback);
  }
  ReflectApply(PromiseThen, PromiseCtor.resolve(), [callback]);
}

function fire(timerId) {
  const timer = ReflectApply(MapGet, timers, [timerId]);
  if (timer === undefined) return;
  const callId = timer.callId;
  currentCallId = callId;
  const call = getCall(callId);
  if (!timer.repeat) {
    ReflectApply(MapDelete, timers, [timerId]);
    if (call !== undefined) call.timers--;
  }
  try {
    ReflectApply(timer.callback, undefined, timer.args);
  } catch (e) {
    flushDeferred();
    // compat §3.4: an uncaught exception in a later callback fails the run like cb(err).
    fail(callId, e);
  }
  flushDeferred();
  if (call !== undefined) finishIfIdle(callId, call);
}

// ---- require ---------------------------------------------------------------------------------

// Declared npm dependencies (issue 9): name → { version, factory, module }, registered by the
// worker with ('module', name, version, factory) before the hook loads; evaluated on first require.
const declared = new MapCtor();

function requireDeclared(spec) {
  const at = typeof spec === 'string' ? ReflectApply(StringLastIndexOf, spec, ['@']) : -1;
  const name = at > 0 ? ReflectApply(StringSlice, spec, [0, at]) : spec;
  const entry = ReflectApply(MapGet, declared, [name]);
  // webtask's pinned form require('name@1.2.3') must name the version the hook declared.
  if (entry === undefined || (at > 0 && ReflectApply(StringSlice, spec, [at + 1]) !== entry.version)) return undefined;
  if (entry.module === undefined) {
    const path = '/node_modules/' + name;
    entry.module = { exports: {}, id: path, filename: path + '/index.js', loaded: false };
    try {
      ReflectApply(entry.factory, entry.module.exports, [entry.module.exports, require, entry.module, path + '/index.js', path]);
    } catch (e) {
      entry.module = undefined;
      throw e;
    }
    entry.module.loaded = true;
  }
  return entry;
}

function require(name) {
  // Node.js built-ins (isolate-builtins.ts), then the hook's declared npm dependencies
  // (docs/dependencies.md), then packages the runtime provides (compat Q13).
  const builtin = requireBuiltin(name);
  if (builtin !== undefined) return builtin;
  const found = requireDeclared(name);
  if (found !== undefined) return found.module.exports;
  const provided = requireProvided(name);
  if (provided !== undefined) return provided;
  throw moduleNotFound(name);
}

// ---- globals ---------------------------------------------------------------------------------

function defineGlobal(key, value) {
  ObjectDefineProperty(globalObject, key, { value, writable: true, enumerable: false, configurable: true });
}
defineGlobal('global', globalObject);
defineGlobal('console', consoleObject);
defineGlobal('setTimeout', setTimeout);
defineGlobal('setInterval', setInterval);
defineGlobal('setImmediate', setImmediate);
defineGlobal('clearTimeout', clearTimeout);
defineGlobal('clearInterval', clearTimeout);
defineGlobal('clearImmediate', clearTimeout);
defineGlobal('queueMicrotask', queueMicrotask);

${ISOLATE_WEB_SOURCE}
${ISOLATE_BODIES_SOURCE}
${ISOLATE_BUFFER_SOURCE}
${ISOLATE_BUILTINS_SOURCE}
// ---- entries ---------------------------------------------------------------------------------

function load(wrapper) {
  const module = { exports: {}, id: '.', filename: '/hook.js', loaded: false };
  try {
    ReflectApply(wrapper, module.exports, [module.exports, require, module, '/hook.js', '/']);
  } catch (e) {
    return 'threw:' + describe(e);
  }
  module.loaded = true;
  if (typeof module.exports !== 'function') return 'no-function';
  hookFn = module.exports;
  return 'loaded';
}

// The call whose hook function is running synchronously under run(), and the completion its cb
// made meanwhile. The completion is held until the entry is over (the next dispatch forgets it):
// run() returns it, and 'take' gives it back when the entry failed after run() returned (an
// unhandled rejection, a loop in a microtask) or before (a timeout).
let runningCallId = 0;
let held;

// The hook's arguments followed by cb, as a fresh array built without assignments through the
// (patchable) Array.prototype: literals for the triggers' argument counts, defineProperty beyond.
function withCallback(parsed, cb) {
  switch (parsed.length) {
    case 1: return [parsed[0], cb];
    case 2: return [parsed[0], parsed[1], cb];
    case 3: return [parsed[0], parsed[1], parsed[2], cb];
    case 4: return [parsed[0], parsed[1], parsed[2], parsed[3], cb];
    default: {
      const args = [];
      for (let i = 0; i < parsed.length; i++) define(args, i, parsed[i]);
      define(args, parsed.length, cb);
      return args;
    }
  }
}

// Sends a held completion through hostDone, so that it is not held past the point where the
// worker may decide something about the call. (The worker keeps the first outcome it gets, so a
// completion that also comes back as run()'s value after this is ignored.)
function releaseSync() {
  if (held === undefined || held.released) return;
  held.released = true;
  hostDone(held.callId, held.kind, held.payload);
}

// run()'s answer: 'started' (the call goes on, or its completion went out already), or the held
// completion: 'ok' (cb with no value), 'ok:' + JSON of the value, or 'error:' + JSON of the error.
function runAnswer() {
  runningCallId = 0;
  if (held === undefined || held.released) return 'started';
  if (held.payload === undefined) return held.kind;
  return held.kind + ':' + held.payload;
}

function run(callId, argsJson, maxLogBytes, wrapper) {
  currentCallId = callId;
  const call = { done: false, extra: false, logsFull: false, maxLogBytes, timers: 0 };
  ReflectApply(MapSet, calls, [callId, call]);
  if (wrapper !== undefined) {
    const loaded = load(wrapper);
    if (loaded !== 'loaded') {
      forget(callId);
      return loaded;
    }
  }
  const args = withCallback(JSONParse(argsJson), makeCallback(callId));
  let returned;
  runningCallId = callId;
  try {
    returned = ReflectApply(hookFn, undefined, args);
  } catch (e) {
    flushDeferred();
    fail(callId, e);
    return runAnswer();
  }
  flushDeferred();
  const answer = runAnswer();
  // Extension (compat §3.4): a returned thenable that resolves to a value completes the call with
  // it; one that resolves to undefined leaves completion to cb; a rejection fails the call.
  if (returned !== null && (typeof returned === 'object' || typeof returned === 'function')) {
    try {
      const then = returned.then;
      if (typeof then === 'function') {
        ReflectApply(then, returned, [
          function (value) { if (value !== undefined) complete(callId, null, value); },
          function (reason) { fail(callId, reason); },
        ]);
      }
    } catch (e) {
      fail(callId, e);
    }
  }
  return answer;
}

function forget(callId) {
  ReflectApply(MapDelete, calls, [callId]);
  forgetRequests(callId);
  const ids = [];
  ReflectApply(MapForEach, timers, [function (timer, id) { if (timer.callId === callId) define(ids, ids.length, id); }]);
  for (let i = 0; i < ids.length; i++) ReflectApply(MapDelete, timers, [ids[i]]);
}

return function dispatch(op, a, b, c, d) {
  if (op === 'take') {
    const answer = runAnswer();
    held = undefined;
    return answer;
  }
  // A new entry: the previous one's completion reached the worker (or died with a failed entry).
  held = undefined;
  runningCallId = 0;
  if (idleCalls > 0) sweep();
  flushDeferred();
  switch (op) {
    case 'run': return run(a, b, c, d);
    case 'fire': fire(a); return undefined;
    case 'http': httpDone(a, b, c, d); return undefined;
    case 'end': forget(a); return undefined;
    case 'module': ReflectApply(MapSet, declared, [a, { version: b, factory: c, module: undefined }]); return undefined;
    default: return undefined;
  }
};
`
