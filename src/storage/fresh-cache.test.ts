import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FreshCache } from './fresh-cache.js'

describe('FreshCache', () => {
  it('keeps a value for its lifetime, then reads again', async () => {
    let now = 0
    let loads = 0
    const cache = new FreshCache<string, number>({
      ttlMs: 10,
      maxEntries: 4,
      keep: 'all',
      now: () => now,
    })
    const load = async () => ++loads
    assert.equal(await cache.read('k', load), 1)
    now = 9
    assert.equal(await cache.read('k', load), 1)
    now = 10
    assert.equal(await cache.read('k', load), 2)
  })

  it('does not keep or share a failed read', async () => {
    const cache = new FreshCache<string, number>({ ttlMs: 1_000, maxEntries: 4, keep: 'all' })
    let loads = 0
    const failing = async () => {
      loads += 1
      throw new Error('database unreachable')
    }
    const results = await Promise.allSettled([cache.read('k', failing), cache.read('k', failing)])
    assert.deepStrictEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    )
    assert.equal(loads, 1)
    assert.equal(await cache.read('k', async () => 7), 7)
    assert.equal(cache.size, 1)
  })

  it("keeps only found values under keep: 'found', and at most maxEntries", async () => {
    const cache = new FreshCache<string, number | undefined>({
      ttlMs: 1_000,
      maxEntries: 2,
      keep: 'found',
    })
    assert.equal(await cache.read('missing', async () => undefined), undefined)
    assert.equal(cache.size, 0)
    for (const key of ['a', 'b', 'c']) await cache.read(key, async () => 1)
    assert.equal(cache.size, 2)
    let loads = 0
    await cache.read('a', async () => ++loads)
    assert.equal(loads, 1, 'the oldest entry was dropped first')
  })
})
