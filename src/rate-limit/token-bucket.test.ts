import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MemoryRateLimitStore } from './token-bucket.js'

test('a bucket allows its burst, refills at its rate, and reports when it is full again', async () => {
  const store = new MemoryRateLimitStore({ burst: 3, perSecond: 2 })
  const t0 = 1_000_000
  const states = [
    await store.take('a', t0),
    await store.take('a', t0),
    await store.take('a', t0),
    await store.take('a', t0),
  ]
  assert.deepStrictEqual(
    states.map((s) => [s.allowed, s.remaining]),
    [
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ],
  )
  const [, , , refused] = states
  assert.ok(refused)
  assert.equal(refused.limit, 3)
  // Empty bucket, 2 per second: full again in 1.5 s.
  assert.equal(refused.resetEpochS, Math.ceil((t0 + 1500) / 1000))
  // Another key has its own bucket.
  assert.equal((await store.take('b', t0)).allowed, true)
  // Half a second later one token has come back.
  const later = await store.take('a', t0 + 500)
  assert.deepStrictEqual([later.allowed, later.remaining], [true, 0])
  const muchLater = await store.take('a', t0 + 60_000)
  assert.deepStrictEqual([muchLater.allowed, muchLater.remaining], [true, 2])
})
