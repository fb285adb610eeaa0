/**
 * The token path's read cache (src/storage/read-cache.ts, issue 23) over a real SQLite store: a
 * warm read does not reach the database, a write drops what it changed, and `invalidate` (the
 * entry a cluster's change notifications call) makes a second node sharing the database see the
 * first node's write.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { openSqliteStore } from '../../src/storage/sql/sqlite.js'
import { READ_CACHE_TTL_MS, withReadCache, type CachedKind } from '../../src/storage/read-cache.js'
import type { NewClient, Store } from '../../src/storage/store.js'

const CLIENT: NewClient = {
  clientId: 'c1',
  name: 'worker',
  description: '',
  secretHash: 'h1',
  appType: 'non_interactive',
  grantTypes: ['client_credentials'],
  clientMetadata: {},
  tokenEndpointAuthMethod: 'client_secret_post',
  isSystem: false,
}

/** The real store, with a count of the calls of each read method (the database reads). */
function counted(store: Store): { store: Store; reads: Map<string, number> } {
  const reads = new Map<string, number>()
  const proxy = new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        if (typeof property === 'string' && property.startsWith('get')) {
          reads.set(property, (reads.get(property) ?? 0) + 1)
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { store: proxy, reads }
}

async function twoNodes(t: { after: (fn: () => Promise<void>) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'openhooks-read-cache-'))
  const file = join(dir, 'openhooks.db')
  const a = await openSqliteStore({ filename: file })
  const b = await openSqliteStore({ filename: file })
  t.after(async () => {
    await a.close()
    await b.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return { a, b }
}

describe('the read cache', () => {
  it('answers warm reads from memory and drops what a write of its own changes', async (t) => {
    const { a } = await twoNodes(t)
    const { store: countedStore, reads } = counted(a)
    const cache = withReadCache(countedStore)
    const changes: [CachedKind, string][] = []
    cache.onWrite((kind, id) => changes.push([kind, id]))
    await cache.store.putClient(CLIENT)
    await cache.store.createResourceServer({
      identifier: 'https://api/',
      name: 'api',
      scopes: [],
      tokenLifetime: 60,
      signingAlg: 'RS256',
    })
    const grant = await cache.store.putClientGrant('c1', 'https://api/', ['read:x'])
    for (let i = 0; i < 5; i++) {
      assert.equal((await cache.store.getClient('c1'))?.secretHash, 'h1')
      assert.deepStrictEqual((await cache.store.getClientGrant('c1', 'https://api/'))?.scope, [
        'read:x',
      ])
      assert.equal((await cache.store.getResourceServer('https://api/'))?.tokenLifetime, 60)
    }
    assert.deepStrictEqual(Object.fromEntries(reads), {
      getClient: 1,
      getClientGrant: 1,
      getResourceServer: 1,
    })

    await cache.store.updateClient('c1', { secretHash: 'h2' })
    assert.equal((await cache.store.getClient('c1'))?.secretHash, 'h2')
    assert.equal(await cache.store.deleteClientGrant(grant.id), true)
    assert.equal(await cache.store.getClientGrant('c1', 'https://api/'), undefined)
    assert.deepStrictEqual(changes.slice(-2), [
      ['client', 'c1'],
      ['client-grant', grant.id],
    ])
    // An unknown id is not kept: asked again, it is read again.
    assert.equal(await cache.store.getClient('nobody'), undefined)
    assert.equal(await cache.store.getClient('nobody'), undefined)
    assert.deepStrictEqual(cache.sizes(), { client: 1, 'client-grant': 0, 'resource-server': 1 })
  })

  it("sees another node's write once notified through invalidate()", async (t) => {
    const { a, b } = await twoNodes(t)
    const nodeA = withReadCache(a)
    const nodeB = withReadCache(b)
    // Node A's writes reach node B as the change bus would carry them.
    nodeA.onWrite((kind, id) => {
      nodeB.invalidate(kind, id)
    })
    await nodeA.store.putClient(CLIENT)
    await nodeA.store.putClientGrant('c1', 'https://api/', ['read:x'])
    assert.equal((await nodeB.store.getClient('c1'))?.secretHash, 'h1')
    assert.ok(await nodeB.store.getClientGrant('c1', 'https://api/'))

    await nodeA.store.updateClient('c1', { secretHash: 'rotated' })
    assert.equal((await nodeB.store.getClient('c1'))?.secretHash, 'rotated')
    assert.equal(await nodeA.store.deleteClient('c1'), true)
    assert.equal(await nodeB.store.getClient('c1'), undefined)
    // Deleting the client deleted its grant, and node B no longer answers it from memory.
    assert.equal(await nodeB.store.getClientGrant('c1', 'https://api/'), undefined)
  })

  it('without a notification, another node keeps its copy (until the TTL)', async (t) => {
    const { a, b } = await twoNodes(t)
    let now = 1_000_000
    const nodeA = withReadCache(a)
    const nodeB = withReadCache(b, () => now)
    await nodeA.store.putClient(CLIENT)
    assert.equal((await nodeB.store.getClient('c1'))?.secretHash, 'h1')
    await nodeA.store.updateClient('c1', { secretHash: 'rotated' })
    assert.equal((await nodeB.store.getClient('c1'))?.secretHash, 'h1')
    nodeB.invalidate('client', 'c1')
    assert.equal((await nodeB.store.getClient('c1'))?.secretHash, 'rotated')
    await nodeA.store.updateClient('c1', { secretHash: 'again' })
    now += READ_CACHE_TTL_MS - 1
    assert.equal((await nodeB.store.getClient('c1'))?.secretHash, 'rotated')
    now += 1
    assert.equal((await nodeB.store.getClient('c1'))?.secretHash, 'again')
  })

  it('shares one database read among the requests that miss the same record at once', async (t) => {
    const { a } = await twoNodes(t)
    await a.putClient(CLIENT)
    let now = 1_000_000
    const { store: countedStore, reads } = counted(a)
    const cache = withReadCache(countedStore, () => now)
    const all = async () =>
      (await Promise.all(Array.from({ length: 20 }, () => cache.store.getClient('c1')))).map(
        (client) => client?.secretHash,
      )
    assert.deepStrictEqual(await all(), Array(20).fill('h1'))
    assert.equal(reads.get('getClient'), 1)
    // The entry expires while 20 requests want it: one read again, not 20.
    now += READ_CACHE_TTL_MS
    assert.deepStrictEqual(await all(), Array(20).fill('h1'))
    assert.equal(reads.get('getClient'), 2)
  })

  it('does not share a read that was in flight when the record changed', async (t) => {
    const { a } = await twoNodes(t)
    await a.putClient(CLIENT)
    const { store: countedStore, reads } = counted(a)
    const cache = withReadCache(countedStore)
    const before = cache.store.getClient('c1')
    // Another node rotates the secret while the first read is in flight.
    await a.updateClient('c1', { secretHash: 'rotated' })
    cache.invalidate('client', 'c1')
    const after = cache.store.getClient('c1')
    assert.equal((await after)?.secretHash, 'rotated')
    await before
    assert.equal(reads.get('getClient'), 2)
    // Neither read is kept over the change: the next read asks again, and then it is warm.
    assert.equal((await cache.store.getClient('c1'))?.secretHash, 'rotated')
    assert.equal((await cache.store.getClient('c1'))?.secretHash, 'rotated')
    assert.equal(reads.get('getClient'), 2)
  })
})
