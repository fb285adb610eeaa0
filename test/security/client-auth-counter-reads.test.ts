/**
 * Issue 23: a right client secret reads both attack-protection counters (the address's throttle
 * and the client's failures) in one database statement, one round trip on PostgreSQL, and is
 * still refused when either counter is at its limit, and still clears the client's failures.
 * The store is the real SQLite store; a proxy only counts the calls that reach it.
 */
import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import {
  AttackProtection,
  BLOCKED_ACCOUNT_DESCRIPTION,
  SUSPICIOUS_IP_DESCRIPTION,
} from '../../src/flows/attack-protection.js'
import type { AttackProtectionStore } from '../../src/storage/attack-protection.js'
import { openSqliteStore } from '../../src/storage/sql/sqlite.js'

const IP = '203.0.113.9'
const CLIENT = 'client-1'
/** The statements of the counter table (settings are cached in memory after the first read). */
const COUNTER_METHODS = new Set(['addFailure', 'failures', 'failuresOf', 'clear'])

async function setUp(t: TestContext): Promise<{
  protection: AttackProtection
  store: AttackProtectionStore
  counterCalls: string[]
}> {
  const sqlite = await openSqliteStore({ filename: ':memory:' })
  t.after(() => sqlite.close())
  const store = sqlite.attackProtection
  const counterCalls: string[] = []
  const counted = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        if (typeof name === 'string' && COUNTER_METHODS.has(name)) counterCalls.push(name)
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { protection: new AttackProtection(counted), store, counterCalls }
}

async function refusal(promise: Promise<void>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  return undefined
}

describe('a right client secret and the attack-protection counters', () => {
  it('reads both counters in one statement when nothing is stored', async (t) => {
    const { protection, counterCalls } = await setUp(t)
    // Warm the settings cache, as every exchange after the first finds it.
    await protection.settleClientAuth({ clientId: CLIENT, ip: IP }, true)
    counterCalls.length = 0
    await protection.settleClientAuth({ clientId: CLIENT, ip: IP }, true)
    assert.deepStrictEqual(counterCalls, ['failuresOf'])
  })

  it('is refused with 429 when the client has max_attempts failures from the address', async (t) => {
    const { protection, store } = await setUp(t)
    const { max_attempts: max } = await protection.bruteForce()
    for (let i = 0; i < max; i++) {
      await store.addFailure({ kind: 'client', identifier: CLIENT, ip: IP, connection: '' }, 1, 0)
    }
    const error = (await refusal(
      protection.settleClientAuth({ clientId: CLIENT, ip: IP }, true),
    )) as { error?: string; description?: string; statusCode?: number } | undefined
    assert.deepStrictEqual(
      { error: error?.error, description: error?.description, status: error?.statusCode },
      { error: 'too_many_attempts', description: BLOCKED_ACCOUNT_DESCRIPTION, status: 429 },
    )
    // Another address is not affected.
    await protection.settleClientAuth({ clientId: CLIENT, ip: '198.51.100.4' }, true)
  })

  it('is refused with 429 when the address is throttled', async (t) => {
    const { protection, store } = await setUp(t)
    const pre = (await protection.suspiciousIp()).stage['pre-login']
    const now = Date.now()
    for (let i = 0; i < pre.max_attempts; i++) {
      await store.addFailure({ kind: 'ip', identifier: '', ip: IP, connection: '' }, now, pre.rate)
    }
    const error = (await refusal(
      protection.settleClientAuth({ clientId: CLIENT, ip: IP }, true),
    )) as { error?: string; description?: string; statusCode?: number } | undefined
    assert.deepStrictEqual(
      { error: error?.error, description: error?.description, status: error?.statusCode },
      { error: 'too_many_attempts', description: SUSPICIOUS_IP_DESCRIPTION, status: 429 },
    )
  })

  it('clears the client failures it found, after one read', async (t) => {
    const { protection, store, counterCalls } = await setUp(t)
    await store.addFailure({ kind: 'client', identifier: CLIENT, ip: IP, connection: '' }, 1, 0)
    await protection.settleClientAuth({ clientId: CLIENT, ip: IP }, true)
    assert.deepStrictEqual(counterCalls, ['failuresOf', 'clear'])
    assert.equal(await store.failures('client', CLIENT, IP, Date.now(), 0), 0)
  })
})
