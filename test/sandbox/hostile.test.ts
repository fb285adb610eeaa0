/**
 * One hostile script per file in ./hostile/ (STYLE §11). Each file states its attack and what must
 * happen in header comments:
 *
 *   // attack: what the script tries
 *   // expect: <outcome kind> /regex on the message/   or   // expect: ok <JSON value>
 *   // expect: memory|timeout /regex/     (either kind: which limit a runaway reaches first
 *                                           depends on how busy the machine is)
 *   // expect-log: /regex on the last console line/      (optional)
 *   // limits: {"timeoutMs": 300}                       (optional, JSON)
 *   // setup: other-hook-secrets | previous-caller | admin-server   (optional)
 *
 * `admin-server`: the script's `ADMIN_PORT` is replaced by the port of a stand-in for the
 * server's own Management API on 127.0.0.1, which the runner does not allow; it must see no
 * request at all.
 *
 * For each file: the call ends within its deadline plus a margin with the expected outcome, the
 * host process is untouched, and the next call of another hook on the same worker succeeds. After
 * a `memory` or `timeout` outcome the hook's isolate is gone from the worker.
 *
 * A file runs with the roomy limits of runScript (ROOMY_LIMITS) except those its `limits` header
 * names: a time limit is short only where a time limit is the expected outcome. Every other attack
 * must end with its own outcome (an error, a refusal, the memory or result limit) however long a
 * busy machine makes it wait for a CPU, so that a slow machine cannot turn it into a timeout.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import type { HookRunner, RunLimits, RunOutcome } from '../../src/sandbox/runner.js'
import { DEFAULT_RUN_LIMITS } from '../../src/sandbox/runner.js'
import {
  ALL_CLASSES,
  DEADLINE_SLACK_MS,
  ROOMY_LIMITS,
  runScript,
  startTestRunner,
  uniqueHookId,
} from './sandbox-helpers.js'

const HOSTILE_DIR = new URL('./hostile/', import.meta.url)

interface Attack {
  readonly file: string
  readonly attack: string
  readonly kinds: readonly RunOutcome['kind'][]
  readonly messagePattern?: RegExp
  readonly value?: unknown
  readonly logPattern?: RegExp
  readonly limits: Partial<RunLimits>
  readonly setup?: 'other-hook-secrets' | 'previous-caller' | 'admin-server'
  readonly script: string
}

function header(script: string, name: string): string | undefined {
  const match = new RegExp(`^// ${name}: (.*)$`, 'm').exec(script)
  return match?.[1]?.trim()
}

function toRegExp(text: string): RegExp {
  const match = /^\/(.*)\/([a-z]*)$/.exec(text)
  if (match === null) throw new Error(`not a /regex/: ${text}`)
  return new RegExp(match[1] ?? '', match[2])
}

function loadAttack(file: string): Attack {
  const script = readFileSync(new URL(file, HOSTILE_DIR), 'utf8')
  const attack = header(script, 'attack')
  const expect = header(script, 'expect')
  if (attack === undefined || expect === undefined) throw new Error(`${file}: missing header`)
  const space = expect.indexOf(' ')
  const kinds = expect.slice(0, space).split('|') as RunOutcome['kind'][]
  const rest = expect.slice(space + 1)
  const limits = header(script, 'limits')
  const setup = header(script, 'setup')
  const log = header(script, 'expect-log')
  return {
    file,
    attack,
    kinds,
    ...(kinds.includes('ok')
      ? { value: JSON.parse(rest) as unknown }
      : { messagePattern: toRegExp(rest) }),
    ...(log !== undefined ? { logPattern: toRegExp(log) } : undefined),
    limits: limits === undefined ? {} : (JSON.parse(limits) as Partial<RunLimits>),
    ...(setup === 'other-hook-secrets' || setup === 'previous-caller' || setup === 'admin-server'
      ? { setup }
      : undefined),
    script,
  }
}

function messageOf(outcome: RunOutcome): string {
  switch (outcome.kind) {
    case 'ok':
      return ''
    case 'hook-error':
      return typeof outcome.error.message === 'string' ? outcome.error.message : ''
    case 'compile-error':
      return outcome.description
    case 'timeout':
    case 'memory':
    case 'limit':
      return outcome.message
    case 'crash':
      return outcome.reason
  }
}

const attacks = readdirSync(HOSTILE_DIR)
  .filter((file) => file.endsWith('.js'))
  .sort()
  .map(loadAttack)

let runner: HookRunner

/** Warm isolates in the one worker. */
async function warmIsolates(): Promise<number> {
  const stats = await runner.stats()
  return stats.workers.reduce((sum, worker) => sum + worker.warmIsolates, 0)
}
let admin: Server
let adminPort = 0
let adminHits = 0
const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort()

before(async () => {
  // One worker: every attack shares it with the well-behaved hook that runs after it.
  runner = await startTestRunner({ poolSize: 1 })
  admin = createServer((_req, res) => {
    adminHits++
    res.end('{"reached":true}')
  })
  await new Promise<void>((resolve) => admin.listen(0, '127.0.0.1', resolve))
  adminPort = (admin.address() as AddressInfo).port
})
after(async () => {
  await runner.close()
  admin.closeAllConnections()
  await new Promise((resolve) => admin.close(resolve))
})

describe('hostile scripts', () => {
  it('there are at least 25 of them, one attack per file', () => {
    assert.ok(attacks.length >= 25, String(attacks.length))
  })

  for (const attack of attacks) {
    it(`${attack.file}: ${attack.attack}`, async () => {
      const hookId = uniqueHookId(attack.file)
      if (attack.setup === 'other-hook-secrets') {
        const other = await runScript(
          runner,
          'const kept = []\nmodule.exports = function (u, c, cb) { kept.push(c.webtask.secrets.KEY); globalThis.leak = c.webtask.secrets.KEY; console.log(c.webtask.secrets.KEY); cb(null, "stored") }',
          { args: [{}, { webtask: { secrets: { KEY: 'NEEDLE-OTHER-HOOK-SECRET' } } }] },
        )
        assert.equal(other.kind, 'ok')
      }
      if (attack.setup === 'previous-caller') {
        await runScript(runner, attack.script, {
          hookId,
          args: [
            { email: 'NEEDLE-PREVIOUS-CALLER' },
            { webtask: { secrets: { S: 'NEEDLE-PREVIOUS-CALLER' } } },
          ],
        })
      }

      const script =
        attack.setup === 'admin-server'
          ? attack.script.replaceAll('ADMIN_PORT', String(adminPort))
          : attack.script
      const limits = { ...DEFAULT_RUN_LIMITS, ...ROOMY_LIMITS, ...attack.limits }
      const isolatesBefore = await warmIsolates()
      const started = performance.now()
      const outcome = await runScript(runner, script, {
        hookId,
        limits: attack.limits,
        args: [{ email: 'someone@example.com' }, { webtask: { secrets: { OWN: 'own secret' } } }],
      })
      const elapsed = performance.now() - started

      assert.ok(
        elapsed <= limits.timeoutMs + DEADLINE_SLACK_MS,
        `took ${Math.round(elapsed)} ms, deadline ${limits.timeoutMs} ms`,
      )
      assert.ok(attack.kinds.includes(outcome.kind), JSON.stringify(outcome).slice(0, 2_000))
      if (outcome.kind === 'memory' || outcome.kind === 'timeout') {
        // The runaway's isolate was disposed: the worker holds no more isolates than before.
        assert.ok((await warmIsolates()) <= isolatesBefore, 'the isolate is still warm')
      }
      if (attack.kinds.includes('ok')) {
        assert.deepEqual(outcome.kind === 'ok' ? outcome.value : undefined, attack.value)
      } else {
        assert.match(messageOf(outcome), attack.messagePattern ?? /./)
      }
      if (attack.logPattern !== undefined) {
        assert.match(outcome.logs.at(-1)?.message ?? '', attack.logPattern)
      }

      assert.equal(adminHits, 0, 'the stand-in admin server was reached')

      // The host is untouched: no prototype pollution, process still ours.
      assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeKeys)
      assert.equal(({} as Record<string, unknown>).polluted, undefined)
      assert.equal(typeof process.pid, 'number')

      // The next call of another hook on the same worker succeeds.
      const next = await runScript(
        runner,
        'module.exports = function (user, context, cb) { cb(null, { ok: user.n + 1, classes: typeof InvalidScopeError }) }',
        { args: [{ n: 1 }, {}], classes: ALL_CLASSES },
      )
      assert.deepEqual(next.kind === 'ok' ? next.value : next, { ok: 2, classes: 'function' })
    })
  }
})
