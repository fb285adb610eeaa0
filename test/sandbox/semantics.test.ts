/**
 * What a hook script sees and how its completion is reported (compat §3.1–3.6, Q10, Q11, Q26),
 * through the real process runner.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { HookRunner, LateLogs } from '../../src/sandbox/runner.js'
import { COMPILE_ERROR_MESSAGE } from '../../src/sandbox/runner.js'
import {
  DEADLINE_SLACK_MS,
  expectKind,
  runScript,
  startTestRunner,
  uniqueHookId,
  waitFor,
} from './sandbox-helpers.js'

/**
 * The entry limit that stops an endless loop after cb. It must outlast what the entry does before
 * its cb (in a warm isolate, well under a millisecond on a quiet machine; a cold one took 200 ms at
 * a load average of 30, where 50 ms ended calls before their cb), and the loop exceeds any limit.
 */
const LOOP_ENTRY_TIMEOUT_MS = 2_000
/**
 * The call deadline that drops background work: the call's cb must come before it however long a
 * busy machine keeps the worker waiting (a call started 3 s late at a load average of 30).
 */
const BACKGROUND_DEADLINE_MS = 5_000

let runner: HookRunner
const lateLogs: LateLogs[] = []

before(async () => {
  runner = await startTestRunner({ onLateLogs: (late) => lateLogs.push(late) })
})
after(async () => {
  await runner.close()
})

describe('completion', () => {
  it('cb(null, data) right away', async () => {
    const outcome = await runScript(
      runner,
      'module.exports = function (user, context, cb) { cb(null, { hello: user.name }) }',
    )
    assert.deepEqual(expectKind(outcome, 'ok').value, { hello: 'user' })
    assert.ok(outcome.durationMs > 0)
    assert.ok(outcome.cpuMs >= 0)
  })

  it('cb later, from a timer', async () => {
    const outcome = await runScript(
      runner,
      'module.exports = function (user, context, cb) { setTimeout(function () { cb(null, 42) }, 20) }',
    )
    assert.equal(expectKind(outcome, 'ok').value, 42)
    assert.ok(outcome.durationMs >= 15)
  })

  it('cb later, from a promise', async () => {
    const outcome = await runScript(
      runner,
      'module.exports = function (u, c, cb) { Promise.resolve(7).then(function (v) { cb(null, v * 2) }) }',
    )
    assert.equal(expectKind(outcome, 'ok').value, 14)
  })

  it('an async function: its resolved value is the result', async () => {
    const outcome = await runScript(
      runner,
      'module.exports = async function (user) { await new Promise(function (r) { setTimeout(r, 5) }); return { n: user.name } }',
    )
    assert.deepEqual(expectKind(outcome, 'ok').value, { n: 'user' })
  })

  it('an async function that resolves to undefined leaves completion to cb', async () => {
    const outcome = await runScript(
      runner,
      'module.exports = async function (u, c, cb) { setTimeout(function () { cb(null, "from cb") }, 10) }',
    )
    assert.equal(expectKind(outcome, 'ok').value, 'from cb')
  })

  it('an async function that rejects fails the call', async () => {
    const outcome = await runScript(
      runner,
      'module.exports = async function () { throw new InvalidScopeError("nope") }',
    )
    const error = expectKind(outcome, 'hook-error').error
    assert.equal(error.name, 'InvalidScopeError')
    assert.equal(error.message, 'nope')
  })

  it('cb() with no data succeeds without a value', async () => {
    const outcome = await runScript(runner, 'module.exports = function (u, c, cb) { cb() }')
    const ok = expectKind(outcome, 'ok')
    assert.equal('value' in ok, false)
  })

  it('cb twice: the first call wins and the second is reported', async () => {
    const outcome = await runScript(
      runner,
      'module.exports = function (u, c, cb) { cb(null, 1); cb(new Error("late")); cb(null, 3) }',
    )
    assert.equal(expectKind(outcome, 'ok').value, 1)
    assert.deepEqual(
      outcome.logs.map((entry) => [entry.level, entry.message]),
      [['warn', '[openhooks] cb was called again after the call completed; ignored']],
    )
  })

  it('cb called again while its value is serialised: the completion that finishes first wins', async () => {
    // The inner cb (from toJSON) completes before the outer one has its JSON.
    const outcome = await runScript(
      runner,
      'module.exports = function (u, c, cb) { cb(null, { toJSON: function () { cb(null, "inner"); return "outer" } }) }',
    )
    assert.equal(expectKind(outcome, 'ok').value, 'inner')
  })

  it('a throw after a synchronous cb keeps the result and logs the exception', async () => {
    const outcome = await runScript(
      runner,
      'module.exports = function (u, c, cb) { cb(null, "kept"); throw new Error("after") }',
    )
    assert.equal(expectKind(outcome, 'ok').value, 'kept')
    assert.deepEqual(
      outcome.logs.map((entry) => [entry.level, entry.message]),
      [['warn', '[openhooks] uncaught exception after the call completed: Error: after']],
    )
  })

  // A completion made before the hook returns travels back with the entry; whatever goes wrong
  // afterwards in the same entry must not replace it (the first cb wins).
  it('cb, then an unhandled rejection in the same entry: the result stands', async () => {
    const outcome = await runScript(
      runner,
      'module.exports = function (u, c, cb) { cb(null, "x"); Promise.reject(new Error("y")) }',
    )
    assert.equal(expectKind(outcome, 'ok').value, 'x')
    assert.deepEqual(
      outcome.logs.map((entry) => entry.level),
      ['warn'],
      'the rejection is reported as background work',
    )
  })

  it('cb(err), then an unhandled rejection: the hook error stands', async () => {
    const outcome = await runScript(
      runner,
      'module.exports = function (u, c, cb) { cb(new Error("mine")); Promise.reject(new Error("later")) }',
    )
    assert.equal(expectKind(outcome, 'hook-error').error.message, 'mine')
  })

  it('cb, then an endless loop (in the body or in a microtask): the result stands', async () => {
    for (const tail of ['for (;;) {}', 'Promise.resolve().then(function () { for (;;) {} })']) {
      // A first call without the loop compiles the script, so that the call with it enters a warm
      // isolate and calls cb at once; the loop then runs until the entry limit stops it.
      const hookId = uniqueHookId('endless')
      const script = `module.exports = function (u, c, cb) { cb(null, "x"); if (u.loop) { ${tail} } }`
      expectKind(await runScript(runner, script, { hookId, args: [{}, {}] }), 'ok')
      const outcome = await runScript(runner, script, {
        hookId,
        args: [{ loop: true }, {}],
        limits: { entryTimeoutMs: LOOP_ENTRY_TIMEOUT_MS },
      })
      assert.equal(expectKind(outcome, 'ok').value, 'x', tail)
      assert.equal(
        outcome.logs[0]?.message,
        `[openhooks] background work stopped: it ran longer than ${LOOP_ENTRY_TIMEOUT_MS} ms at once`,
        tail,
      )
      // The loop's isolate was retired: the next call runs.
      expectKind(await runScript(runner, script, { hookId, args: [{}, {}] }), 'ok')
    }
  })

  it('cb, then more timers than maxTimers: the result stands', async () => {
    const outcome = await runScript(
      runner,
      'module.exports = function (u, c, cb) { cb(null, "x"); try { for (let i = 0; i < 10; i++) setTimeout(function () {}, 1000) } catch (e) {} }',
      { limits: { maxTimers: 3 } },
    )
    assert.equal(expectKind(outcome, 'ok').value, 'x')
    assert.match(outcome.logs[0]?.message ?? '', /limit maxTimers \(3\) reached/)
  })

  it('a synchronous cb(err) with custom fields', async () => {
    const outcome = await runScript(
      runner,
      'module.exports = function (u, c, cb) { const e = new Error("no"); e.code = 7; cb(e) }',
    )
    const error = expectKind(outcome, 'hook-error').error
    assert.equal(error.message, 'no')
    assert.equal(error.code, 7)
  })

  it('a synchronous throw fails the call like cb(err)', async () => {
    const outcome = await runScript(
      runner,
      'module.exports = function () {\n  throw new Error("boom")\n}',
    )
    const error = expectKind(outcome, 'hook-error').error
    assert.equal(error.message, 'boom')
    assert.equal(error.name, undefined, 'a plain Error has no own name (compat §3.2)')
    assert.match(String(error.stack), /^Error: boom\n {4}at module\.exports \(hook\.js:2:9\)/)
  })

  it('a throw inside a later timer fails the call', async () => {
    const outcome = await runScript(
      runner,
      'module.exports = function () { setTimeout(function () { throw new TypeError("later") }, 5) }',
    )
    assert.equal(expectKind(outcome, 'hook-error').error.message, 'later')
  })

  it('non-Error values are wrapped as Auth0 did', async () => {
    const cases: [string, string][] = [
      ['cb("just a string")', 'just a string'],
      ['cb({ message: "from message" })', 'from message'],
      ['cb(42)', '42'],
      ['throw { toString: function () { return "custom" } }', 'custom'],
      ['throw undefined', 'Unknown error'],
      ['return Promise.reject(null)', 'Unknown error'],
    ]
    for (const [body, message] of cases) {
      const outcome = await runScript(runner, `module.exports = function (u, c, cb) { ${body} }`)
      const error = expectKind(outcome, 'hook-error').error
      assert.equal(error.message, message, body)
      assert.deepEqual(Object.keys(error).sort(), ['message', 'stack'], body)
    }
  })

  it('an unhandled rejection fails the call, as in Node', async () => {
    for (const [body, message] of [
      ['Promise.reject(new TypeError("lost"))', 'lost'],
      ['Promise.reject(null)', 'Unknown error'],
      ['Promise.reject({ message: "m" })', 'm'],
    ]) {
      const outcome = await runScript(runner, `module.exports = function () { ${body} }`)
      assert.equal(expectKind(outcome, 'hook-error').error.message, message, body)
    }
  })

  it('errors travel with every own property, including custom ones', async () => {
    const outcome = await runScript(
      runner,
      'module.exports = function (u, c, cb) { const e = new Error("m"); e.code = "E_X"; e.details = { a: [1] }; e.name = "InvalidScopeError"; cb(e) }',
    )
    const error = expectKind(outcome, 'hook-error').error
    assert.deepEqual(
      { ...error, stack: typeof error.stack },
      {
        stack: 'string',
        message: 'm',
        code: 'E_X',
        details: { a: [1] },
        name: 'InvalidScopeError',
      },
    )
  })

  it('an unserialisable result becomes the Auth0 error', async () => {
    const outcome = await runScript(
      runner,
      'module.exports = function (u, c, cb) { const o = {}; o.self = o; cb(null, o) }',
    )
    assert.equal(
      expectKind(outcome, 'hook-error').error.message,
      'Error when JSON serializing the result of the extension point',
    )
  })

  it('an unserialisable error becomes "Error serializing error"', async () => {
    const outcome = await runScript(
      runner,
      'module.exports = function (u, c, cb) { const e = new Error("x"); e.big = 10n; cb(e) }',
    )
    assert.deepEqual(expectKind(outcome, 'hook-error').error, {
      message: 'Error serializing error: TypeError: Do not know how to serialize a BigInt',
    })
  })

  it('functions and undefined members are lost in the JSON copy', async () => {
    const outcome = await runScript(
      runner,
      'module.exports = function (u, c, cb) { cb(null, { f: function () {}, u: undefined, d: new Date(0), n: NaN }) }',
    )
    assert.deepEqual(expectKind(outcome, 'ok').value, { d: '1970-01-01T00:00:00.000Z', n: null })
  })
})

describe('injected error classes (compat §3.2, Q26)', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['new ExtensibilityUserError("m")', { name: 'ExtensibilityUserError', message: 'm' }],
    ['new InvalidRequestError("m")', { name: 'InvalidRequestError', message: 'm' }],
    ['new InvalidScopeError("m")', { name: 'InvalidScopeError', message: 'm' }],
    ['new ServerError("m")', { name: 'ServerError', message: 'm' }],
    [
      'new PreUserRegistrationError("log text", "shown to the user")',
      {
        name: 'PreUserRegistrationError',
        message: 'log text',
        friendlyMessage: 'shown to the user',
      },
    ],
    [
      'new PreUserRegistrationError("only one")',
      { name: 'PreUserRegistrationError', message: 'only one', friendlyMessage: 'only one' },
    ],
    [
      'new SendPhoneMessageError("provider down", "")',
      { name: 'SendPhoneMessageError', message: 'provider down', friendlyMessage: 'provider down' },
    ],
  ]
  for (const [expression, expected] of cases) {
    it(`${expression} travels with its own properties`, async () => {
      const outcome = await runScript(
        runner,
        `module.exports = function (u, c, cb) { cb(${expression}) }`,
      )
      const error = expectKind(outcome, 'hook-error').error
      const { stack, ...rest } = error
      assert.deepEqual(rest, expected)
      assert.match(String(stack), new RegExp(`^${String(expected.name)}: `))
    })
  }

  it('are lexical bindings, not globalThis properties, and subclass one another', async () => {
    const outcome = await runScript(
      runner,
      `module.exports = function (u, c, cb) {
        cb(null, {
          global: typeof globalThis.InvalidScopeError,
          bare: typeof InvalidScopeError,
          chain: new InvalidScopeError('x') instanceof ExtensibilityUserError && new ExtensibilityUserError('y') instanceof Error,
        })
      }`,
    )
    assert.deepEqual(expectKind(outcome, 'ok').value, {
      global: 'undefined',
      bare: 'function',
      chain: true,
    })
  })

  it('only the classes handed in are declared', async () => {
    const outcome = await runScript(
      runner,
      'module.exports = function (u, c, cb) { cb(null, [typeof ExtensibilityUserError, typeof InvalidScopeError]) }',
      { classes: [{ name: 'ExtensibilityUserError', extends: 'Error', friendlyMessage: false }] },
    )
    assert.deepEqual(expectKind(outcome, 'ok').value, ['function', 'undefined'])
  })

  it('redeclaring one fails to compile, as in Auth0', async () => {
    const outcome = await runScript(
      runner,
      'class InvalidScopeError extends Error {}\nmodule.exports = function (u, c, cb) { cb() }',
    )
    const failure = expectKind(outcome, 'compile-error')
    assert.match(failure.description, /InvalidScopeError' has already been declared/)
  })
})

describe('module shape (compat §3.1, §3.6, Q10)', () => {
  it('a compile error has the Auth0 message and the compiler text as description', async () => {
    const outcome = await runScript(runner, 'module.exports = function (u, c, cb) { cb(null, ) ) }')
    const failure = expectKind(outcome, 'compile-error')
    assert.equal(failure.message, COMPILE_ERROR_MESSAGE)
    assert.match(failure.description, /^Unexpected token '\)'/)
  })

  it("a compile error names the script's own line and column, and only its tokens", async () => {
    // `function broken( {` typed on line 24, the last line.
    const lines = Array.from({ length: 23 }, (_, i) => `// line ${i + 1}`)
    const broken = await runScript(runner, [...lines, 'function broken( {'].join('\n'))
    assert.equal(
      expectKind(broken, 'compile-error').description,
      'Unexpected end of input [hook.js:24:19]',
    )
    // A 3-line script missing its closing `};`: the end of the script, not the wrapper's `)`.
    const unclosed = await runScript(
      runner,
      'module.exports = function (user, context, cb) {\n  cb(null, user)\n',
    )
    assert.equal(
      expectKind(unclosed, 'compile-error').description,
      'Unexpected end of input [hook.js:3:1]',
    )
    // One `}` too many: the script's own token, on its own line.
    const extra = await runScript(runner, 'module.exports = function (u, c, cb) {\n  cb()\n}\n}')
    assert.equal(
      expectKind(extra, 'compile-error').description,
      "Unexpected token '}' [hook.js:4:1]",
    )
    // A script that redeclares an injected class still fails, with its own position.
    const redeclared = await runScript(runner, 'const x = 1\nclass InvalidScopeError {}')
    assert.match(
      expectKind(redeclared, 'compile-error').description,
      /^Identifier 'InvalidScopeError' has already been declared \[hook\.js:2:\d+\]$/,
    )
  })

  it('a bare anonymous function expression is exported', async () => {
    const outcome = await runScript(
      runner,
      '// a comment\nfunction (user, context, cb) {\n  cb(null, "bare")\n};\n',
    )
    assert.equal(expectKind(outcome, 'ok').value, 'bare')
  })

  it('a bare named function and a bare arrow are exported', async () => {
    for (const script of [
      'function handler(user, context, cb) { cb(null, "named") }',
      '(user, context, cb) => cb(null, "named")',
      'async (user) => "named"',
    ]) {
      assert.equal(expectKind(await runScript(runner, script), 'ok').value, 'named', script)
    }
  })

  it('a named function that is then exported runs once as a module', async () => {
    const outcome = await runScript(
      runner,
      'function handler(user, context, cb) { cb(null, "exported") }\nmodule.exports = handler',
    )
    assert.equal(expectKind(outcome, 'ok').value, 'exported')
  })

  it('a module that exports no function fails like a compile error', async () => {
    const outcome = await runScript(runner, 'module.exports = { not: "a function" }')
    assert.match(expectKind(outcome, 'compile-error').description, /must export a function/)
  })

  it('a module body that throws fails like a compile error', async () => {
    const outcome = await runScript(runner, 'throw new RangeError("at load")')
    assert.equal(expectKind(outcome, 'compile-error').description, 'RangeError: at load')
  })

  it('exports, require, module, __filename and __dirname exist; an undeclared module is not found', async () => {
    const outcome = await runScript(
      runner,
      `exports.x = 1
      module.exports = function (u, c, cb) {
        try { require('lodash') } catch (e) { return cb(null, [e.message, e.code, typeof __filename, typeof __dirname]) }
      }`,
    )
    assert.deepEqual(expectKind(outcome, 'ok').value, [
      "Cannot find module 'lodash'\nDeclare 'lodash' in the hook's dependencies",
      'MODULE_NOT_FOUND',
      'string',
      'string',
    ])
  })

  it('globals are those of the compat reference, and no Node objects', async () => {
    const outcome = await runScript(
      runner,
      `module.exports = function (u, c, cb) {
        cb(null, ['console', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'global', 'process', 'Buffer', 'module']
          .map(function (name) { return name + ':' + typeof globalThis[name] }))
      }`,
    )
    assert.deepEqual(expectKind(outcome, 'ok').value, [
      'console:object',
      'setTimeout:function',
      'clearTimeout:function',
      'setInterval:function',
      'clearInterval:function',
      'setImmediate:function',
      'global:object',
      'process:undefined',
      'Buffer:function',
      'module:undefined',
    ])
  })
})

describe('arguments and state', () => {
  it('context.webtask.secrets holds what the caller passed', async () => {
    const outcome = await runScript(
      runner,
      'module.exports = function (user, context, cb) { cb(null, context.webtask.secrets.API_KEY) }',
      { args: [{}, { webtask: { secrets: { API_KEY: 's3cr3t' } } }] },
    )
    assert.equal(expectKind(outcome, 'ok').value, 's3cr3t')
  })

  it('module scope persists between calls of one version and resets with a new version', async () => {
    const hookId = uniqueHookId('stateful')
    const script =
      'let calls = 0\nmodule.exports = function (u, c, cb) { calls++; cb(null, calls) }'
    const values: unknown[] = []
    for (const versionKey of ['a', 'a', 'a', 'b', 'b']) {
      values.push(expectKind(await runScript(runner, script, { hookId, versionKey }), 'ok').value)
    }
    assert.deepEqual(values, [1, 2, 3, 1, 2])
  })

  it('retire() drops the warm isolate of a hook', async () => {
    const hookId = uniqueHookId('retired')
    const script =
      'let calls = 0\nmodule.exports = function (u, c, cb) { calls++; cb(null, calls) }'
    assert.equal(expectKind(await runScript(runner, script, { hookId }), 'ok').value, 1)
    assert.equal(expectKind(await runScript(runner, script, { hookId }), 'ok').value, 2)
    runner.retire(hookId)
    assert.equal(expectKind(await runScript(runner, script, { hookId }), 'ok').value, 1)
  })

  it('calls of one hook may overlap; each gets its own cb and logs', async () => {
    const hookId = uniqueHookId('overlap')
    const script =
      'module.exports = function (user, c, cb) { console.log("start", user.n); setTimeout(function () { console.log("end", user.n); cb(null, user.n) }, 30 - user.n * 10) }'
    const outcomes = await Promise.all(
      [0, 1, 2].map((n) => runScript(runner, script, { hookId, args: [{ n }, {}] })),
    )
    outcomes.forEach((outcome, n) => {
      assert.equal(expectKind(outcome, 'ok').value, n)
      assert.deepEqual(
        outcome.logs.map((entry) => entry.message),
        [`start ${n}`, `end ${n}`],
      )
    })
  })
})

describe('console', () => {
  it('captures each level in order with timestamps, formatting like util.format', async () => {
    const outcome = await runScript(
      runner,
      `module.exports = function (u, c, cb) {
        console.log('a %s b %d c %j', 'x', 4.5, { k: 1 }, 'rest')
        console.info({ o: [1, 2] })
        console.warn(new TypeError('t').message)
        console.error(undefined, null, 3n)
        console.debug('100%% sure')
        cb()
      }`,
    )
    expectKind(outcome, 'ok')
    assert.deepEqual(
      outcome.logs.map((entry) => [entry.level, entry.message]),
      [
        ['log', 'a x b 4.5 c {"k":1} rest'],
        ['info', '{ o: [ 1, 2 ] }'],
        ['warn', 't'],
        ['error', 'undefined null 3n'],
        ['debug', '100%% sure'],
      ],
    )
    for (const entry of outcome.logs) assert.ok(!Number.isNaN(Date.parse(entry.timestamp)))
  })

  it('output past maxLogBytes is cut to fit, then dropped after one marker', async () => {
    const outcome = await runScript(
      runner,
      'module.exports = function (u, c, cb) { for (let i = 0; i < 100; i++) console.log("0123456789"); cb() }',
      { limits: { maxLogBytes: 35 } },
    )
    expectKind(outcome, 'ok')
    assert.deepEqual(
      outcome.logs.map((entry) => entry.message),
      [
        '0123456789',
        '0123456789',
        '0123456789',
        '01234',
        '[openhooks] console output truncated: the call reached its limit of 35 bytes (maxLogBytes)',
      ],
    )
  })
})

describe('background work after cb (compat Q11)', () => {
  it('runs until it ends, and its console output is reported as late logs', async () => {
    const hookId = uniqueHookId('background')
    const outcome = await runScript(
      runner,
      'module.exports = function (u, c, cb) { cb(null, "now"); setTimeout(function () { console.log("after cb") }, 20) }',
      { hookId },
    )
    assert.equal(expectKind(outcome, 'ok').value, 'now')
    await waitFor(async () => Promise.resolve(lateLogs.some((late) => late.hookId === hookId)))
    const late = lateLogs.find((entry) => entry.hookId === hookId)
    assert.deepEqual(
      late?.logs.map((entry) => entry.message),
      ['after cb'],
    )
  })

  it('is dropped at the call deadline', async () => {
    const hookId = uniqueHookId('endless-background')
    // `start` sets off an endless interval after the callback; without it, the call only reads.
    const script =
      'let ticks = 0\nmodule.exports = function (u, c, cb) { cb(null, ticks); if (u.start) setInterval(function () { ticks++ }, 5) }'
    const call = (start: boolean) =>
      runScript(runner, script, {
        hookId,
        args: [{ start }, {}],
        limits: { timeoutMs: BACKGROUND_DEADLINE_MS },
      })
    assert.equal(expectKind(await call(true), 'ok').value, 0)
    // The first call lives on in the background until its deadline, then is dropped.
    await waitFor(async () => (await runner.stats()).workers.every((w) => w.inFlightCalls === 0))
    const atDeadline = expectKind(await call(false), 'ok').value as number
    assert.ok(atDeadline > 0, 'the interval ran while the first call lived')
    await new Promise((resolve) => setTimeout(resolve, 300))
    // Dropped: the interval did not tick again after the deadline.
    assert.equal(expectKind(await call(false), 'ok').value, atDeadline)
  })
})

describe('limits', () => {
  it('a call that never calls back times out at its deadline', async () => {
    const outcome = await runScript(runner, 'module.exports = function () {}', {
      limits: { timeoutMs: 250 },
    })
    const timeout = expectKind(outcome, 'timeout')
    assert.equal(timeout.limit, 'timeoutMs')
    assert.equal(timeout.limitMs, 250)
    assert.equal(
      timeout.message,
      'The hook did not complete within its time limit of 250 ms (timeoutMs)',
    )
    // Never before the deadline; how late after it depends on the machine, within a bound for a
    // call that is never ended.
    assert.ok(
      outcome.durationMs >= 240 && outcome.durationMs < 250 + DEADLINE_SLACK_MS,
      String(outcome.durationMs),
    )
  })

  it('a synchronous entry longer than entryTimeoutMs is stopped', async () => {
    // The call's deadline stays the roomy one, so that only the entry limit can end the loop.
    const outcome = await runScript(runner, 'module.exports = function () { for (;;) {} }', {
      limits: { entryTimeoutMs: 150 },
    })
    const timeout = expectKind(outcome, 'timeout')
    assert.equal(timeout.limit, 'entryTimeoutMs')
    assert.equal(
      timeout.message,
      'The hook ran for more than 150 ms without yielding (entryTimeoutMs)',
    )
    assert.ok(outcome.durationMs < 150 + DEADLINE_SLACK_MS, String(outcome.durationMs))
  })

  it('a result larger than maxResultBytes fails the call', async () => {
    const outcome = await runScript(
      runner,
      'module.exports = function (u, c, cb) { cb(null, "x".repeat(2000)) }',
      { limits: { maxResultBytes: 1_000 } },
    )
    const limit = expectKind(outcome, 'limit')
    assert.equal(limit.limit, 'maxResultBytes')
    assert.equal(
      limit.message,
      "The hook's result or error is larger than 1000 bytes (maxResultBytes)",
    )
  })

  it('more timers than maxTimers fail the call', async () => {
    const outcome = await runScript(
      runner,
      'module.exports = function (u, c, cb) { for (let i = 0; i < 10; i++) setTimeout(function () {}, 1000) }',
      { limits: { maxTimers: 5 } },
    )
    const limit = expectKind(outcome, 'limit')
    assert.deepEqual([limit.limit, limit.value], ['maxTimers', 5])
  })

  it('an isolate over its memory limit is discarded and rebuilt for the next call', async () => {
    const hookId = uniqueHookId('memory')
    const script =
      'module.exports = function (u, c, cb) { if (!u.bomb) return cb(null, "fine"); const a = []; for (;;) a.push(new Array(1e5).fill(1.5)) }'
    const bomb = await runScript(runner, script, {
      hookId,
      args: [{ bomb: true }, {}],
      limits: { memoryMb: 16 },
    })
    const memory = expectKind(bomb, 'memory')
    assert.equal(memory.limitMb, 16)
    assert.match(memory.message, /memory limit of 16 MB \(memoryMb\)/)
    const next = await runScript(runner, script, {
      hookId,
      args: [{}, {}],
      limits: { memoryMb: 16 },
    })
    assert.equal(expectKind(next, 'ok').value, 'fine')
  })
})
