/**
 * The storage contract. Small per-domain interfaces composed into `Store`; every backend passes
 * `store.contract.ts`. Values crossing it are domain types (camelCase), never wire types.
 * Every method is atomic: when it fails or reports a conflict, nothing was written.
 */

export interface HookRecord {
  readonly id: string
  readonly name: string
  readonly script: string
  readonly triggerId: string
  readonly enabled: boolean
  readonly dependencies: Readonly<Record<string, string>>
  readonly createdAt: string
  readonly updatedAt: string
}

export interface NewHook {
  readonly name: string
  readonly script: string
  readonly triggerId: string
  /**
   * `true` enables it exclusively (other hooks of the trigger are disabled in the same
   * transaction); `'if-first'` enables it only when no hook exists for its trigger (compat §1.3).
   */
  readonly enabled: boolean | 'if-first'
  readonly dependencies: Readonly<Record<string, string>>
}

export interface HookPatch {
  readonly name?: string
  readonly script?: string
  readonly enabled?: boolean
  readonly dependencies?: Readonly<Record<string, string>>
}

export interface HookFilter {
  readonly enabled?: boolean
  readonly triggerId?: string
}

export interface PageRequest {
  readonly offset: number
  readonly limit: number
}

export type HookWriteResult =
  | {
      readonly ok: true
      readonly hook: HookRecord
      /** Ids of hooks that this write disabled (the exclusive switch, compat Q1). */
      readonly disabledIds: readonly string[]
    }
  | { readonly ok: false; readonly reason: 'name-taken' | 'not-found' }

export interface HookStore {
  /** Ordered by id (creation order); `total` counts every match regardless of the page. */
  listHooks(filter: HookFilter, page?: PageRequest): Promise<{ hooks: HookRecord[]; total: number }>
  getHook(id: string): Promise<HookRecord | undefined>
  getEnabledHook(triggerId: string): Promise<HookRecord | undefined>
  createHook(hook: NewHook): Promise<HookWriteResult>
  updateHook(id: string, patch: HookPatch): Promise<HookWriteResult>
  /** Deletes the hook and its secrets; `false` when there was no such hook. */
  deleteHook(id: string): Promise<boolean>
}

/** A secret as stored: `value` is ciphertext; the store never sees a plaintext value. */
export interface SealedSecret {
  readonly name: string
  readonly value: string
}

export type SecretWriteResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'hook-not-found' }
  | { readonly ok: false; readonly reason: 'name-exists' | 'name-missing'; readonly name: string }
  | { readonly ok: false; readonly reason: 'too-many'; readonly max: number }

export interface SecretStore {
  /** Names in alphabetical order, or `undefined` when the hook does not exist. */
  listSecretNames(hookId: string): Promise<string[] | undefined>
  readSecrets(hookId: string): Promise<SealedSecret[]>
  /** Adds new names only, all or nothing; the total may not exceed `max`. */
  addSecrets(
    hookId: string,
    secrets: readonly SealedSecret[],
    max: number,
  ): Promise<SecretWriteResult>
  /** Changes existing names only, all or nothing. */
  updateSecrets(hookId: string, secrets: readonly SealedSecret[]): Promise<SecretWriteResult>
  /** Removes the names that exist; unknown names are ignored (compat Q27). */
  deleteSecrets(
    hookId: string,
    names: readonly string[],
  ): Promise<{ readonly ok: true } | { readonly ok: false; readonly reason: 'hook-not-found' }>
}

export interface ClientRecord {
  readonly clientId: string
  readonly name: string
  readonly secretHash: string
  readonly appType: string
  readonly grantTypes: readonly string[]
  readonly clientMetadata: Readonly<Record<string, string>>
  readonly createdAt: string
  readonly updatedAt: string
}

export interface ClientGrantRecord {
  readonly id: string
  readonly clientId: string
  readonly audience: string
  readonly scope: readonly string[]
}

export interface ClientStore {
  getClient(clientId: string): Promise<ClientRecord | undefined>
  /** Creates the client or replaces its fields (keeping `createdAt`). */
  putClient(client: Omit<ClientRecord, 'createdAt' | 'updatedAt'>): Promise<ClientRecord>
  getClientGrant(clientId: string, audience: string): Promise<ClientGrantRecord | undefined>
  /** Creates the grant or replaces its scopes. */
  putClientGrant(
    clientId: string,
    audience: string,
    scope: readonly string[],
  ): Promise<ClientGrantRecord>
}

export interface SigningKeyRecord {
  readonly kid: string
  readonly alg: string
  readonly publicJwk: string
  /** Sealed private JWK. */
  readonly privateJwk: string
  readonly createdAt: string
}

export interface KeyStore {
  /** Newest first. */
  listSigningKeys(): Promise<SigningKeyRecord[]>
  /** Inserts the key unless one already exists; returns the newest key either way. */
  insertSigningKeyIfNone(key: Omit<SigningKeyRecord, 'createdAt'>): Promise<SigningKeyRecord>
}

export interface Store extends HookStore, SecretStore, ClientStore, KeyStore {
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>
  close(): Promise<void>
}
