/** Kysely table types. Booleans are stored as 0/1 integers so that both dialects share one schema. */
export interface HooksTable {
  id: string
  /** Normalised (kebab-case) name, unique. */
  name: string
  script: string
  trigger_id: string
  enabled: number
  /** JSON object, name → version. */
  dependencies: string
  created_at: string
  updated_at: string
}

export interface HookSecretsTable {
  hook_id: string
  name: string
  /** `v1.<base64 iv>.<base64 ciphertext+tag>`, see crypto/secret-box.ts. */
  value: string
  created_at: string
  updated_at: string
}

export interface ClientsTable {
  client_id: string
  name: string
  /** Keyed hash of the client secret, see crypto/keyed-hash.ts. */
  secret_hash: string
  app_type: string
  /** JSON array of grant types. */
  grant_types: string
  /** JSON object. */
  client_metadata: string
  created_at: string
  updated_at: string
}

export interface ClientGrantsTable {
  id: string
  client_id: string
  audience: string
  /** JSON array of scopes. */
  scope: string
  created_at: string
}

export interface SigningKeysTable {
  kid: string
  alg: string
  /** Public JWK as JSON. */
  public_jwk: string
  /** Private JWK as JSON, sealed with the master key. */
  private_jwk: string
  created_at: string
}

export interface Database {
  hooks: HooksTable
  hook_secrets: HookSecretsTable
  clients: ClientsTable
  client_grants: ClientGrantsTable
  signing_keys: SigningKeysTable
}
