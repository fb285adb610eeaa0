/**
 * The store as the token endpoint reads it (issue 23): clients, client grants and resource
 * servers are kept in memory, so that a warm client-credentials exchange reads none of them from
 * the database. Every write of this process through the wrapped store drops what it may change
 * before it returns; `invalidate(kind, id)` does the same for a change another node made (the
 * cluster's change notifications call it), and `onWrite` tells them what this node changed.
 * Entries also expire after {@link READ_CACHE_TTL_MS}, the bound on staleness should a
 * notification be lost. Only found records are kept: an unknown id costs a read each time, so
 * made-up ids cannot fill the memory. Concurrent reads of a missing or expired record share one
 * database read (`FreshCache`).
 */
import { FreshCache } from './fresh-cache.js'
import type { ClientGrantRecord, ClientRecord, ResourceServerRecord, Store } from './store.js'

/** How long a cached record is used without asking the database again, in milliseconds. */
export const READ_CACHE_TTL_MS = 1_000
/** Records kept per kind; past it the oldest is dropped first. */
export const READ_CACHE_MAX_ENTRIES = 10_000

/** What the cache holds, as the change notifications name it. */
export type CachedKind = 'client' | 'client-grant' | 'resource-server'
export const CACHED_KINDS: readonly CachedKind[] = ['client', 'client-grant', 'resource-server']

/** Called after this process wrote a record of `kind` (`id`: the client id, grant id or API id). */
export type WriteListener = (kind: CachedKind, id: string) => void

export interface ReadCache {
  /** The store with cached reads; use it for every read and write of these kinds. */
  readonly store: Store
  /**
   * Drops what a change of `kind` `id` made stale (another node's write). Grants and APIs are
   * dropped as a whole kind: a notification names them by id, the cache keys them otherwise. No
   * id (the change bus lost notifications) drops the whole kind.
   */
  invalidate(kind: CachedKind, id: string | undefined): void
  /** Registers a listener of this process's own writes (to notify the other nodes). */
  onWrite(listener: WriteListener): void
  /** Records held per kind (tests, stats). */
  sizes(): Readonly<Record<CachedKind, number>>
}

const grantKey = (clientId: string, audience: string): string => `${clientId}\n${audience}`

/** Wraps `store`; reads of other kinds and every other method go straight to it. */
export function withReadCache(store: Store, now: () => number = Date.now): ReadCache {
  const options = {
    ttlMs: READ_CACHE_TTL_MS,
    maxEntries: READ_CACHE_MAX_ENTRIES,
    keep: 'found',
    now,
  } as const
  const clients = new FreshCache<string, ClientRecord | undefined>(options)
  const grants = new FreshCache<string, ClientGrantRecord | undefined>(options)
  const apis = new FreshCache<string, ResourceServerRecord | undefined>(options)
  const listeners: WriteListener[] = []

  const invalidate = (kind: CachedKind, id: string | undefined): void => {
    switch (kind) {
      case 'client':
        if (id === undefined) clients.clear()
        else clients.drop(id)
        // Deleting a client deletes its grants.
        grants.clear()
        return
      case 'client-grant':
        grants.clear()
        return
      case 'resource-server':
        apis.clear()
        // Deleting an API deletes the grants for its audience.
        grants.clear()
        return
    }
  }
  /** Invalidates here, then tells the listeners; returns what the write returned. */
  const wrote = <R>(kind: CachedKind, id: (result: R) => string | undefined) => {
    return (result: R): R => {
      const changed = id(result)
      if (changed !== undefined) {
        invalidate(kind, changed)
        for (const listener of listeners) listener(kind, changed)
      }
      return result
    }
  }

  const overrides: Partial<Store> = {
    getClient: (clientId) => clients.read(clientId, () => store.getClient(clientId)),
    putClient: (client) =>
      store.putClient(client).then(wrote('client', (c: ClientRecord) => c.clientId)),
    updateClient: (clientId, patch) =>
      store.updateClient(clientId, patch).then(wrote('client', () => clientId)),
    deleteClient: (clientId) => store.deleteClient(clientId).then(wrote('client', () => clientId)),

    getClientGrant: (clientId, audience) =>
      grants.read(grantKey(clientId, audience), () => store.getClientGrant(clientId, audience)),
    putClientGrant: (clientId, audience, scope) =>
      store
        .putClientGrant(clientId, audience, scope)
        .then(wrote('client-grant', (g: ClientGrantRecord) => g.id)),
    createClientGrant: (clientId, audience, scope) =>
      store
        .createClientGrant(clientId, audience, scope)
        .then(wrote('client-grant', (r) => (r.ok ? r.grant.id : undefined))),
    updateClientGrant: (id, scope) =>
      store.updateClientGrant(id, scope).then(wrote('client-grant', () => id)),
    deleteClientGrant: (id) => store.deleteClientGrant(id).then(wrote('client-grant', () => id)),

    getResourceServer: (idOrIdentifier) =>
      apis.read(idOrIdentifier, () => store.getResourceServer(idOrIdentifier)),
    createResourceServer: (rs) =>
      store
        .createResourceServer(rs)
        .then(wrote('resource-server', (r) => (r.ok ? r.resourceServer.id : undefined))),
    updateResourceServer: (id, patch) =>
      store.updateResourceServer(id, patch).then(wrote('resource-server', () => id)),
    deleteResourceServer: (id) =>
      store.deleteResourceServer(id).then(wrote('resource-server', () => id)),
  }

  const bound = new Map<PropertyKey, unknown>()
  const cached = new Proxy(store, {
    get(target, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof Store]
      const known = bound.get(property)
      if (known !== undefined) return known
      const value: unknown = Reflect.get(target, property, target)
      // The store's methods use its private fields: call them on the store itself.
      const out = typeof value === 'function' ? (value as () => unknown).bind(target) : value
      if (typeof value === 'function') bound.set(property, out)
      return out
    },
  })

  return {
    store: cached,
    invalidate,
    onWrite: (listener) => {
      listeners.push(listener)
    },
    sizes: () => ({
      client: clients.size,
      'client-grant': grants.size,
      'resource-server': apis.size,
    }),
  }
}
