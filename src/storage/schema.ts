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

/** One immutable version of a hook's code (issue 22). */
export interface HookVersionsTable {
  hook_id: string
  /** 1, 2, 3 … per hook, consecutive. */
  number: number
  script: string
  /** JSON object, name → version. */
  dependencies: string
  /** SHA-256 (hex) of the script and dependencies, see storage/sql/hook-versions.ts. */
  hash: string
  /** `client` or `operator`. */
  actor_type: string
  /** The client id, or the operator's e-mail address. */
  actor_id: string
  /** JSON array of the hook's secret names when the version was made (never values). */
  secret_names: string
  /** The version a deploy copied, or null for a save. */
  deployed_from: number | null
  created_at: string
}

/** openhooks' own per-hook settings (issue 22); no row: the defaults. */
export interface HookSettingsTable {
  hook_id: string
  /** `closed` or `open`. */
  failure_policy: string
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
  description: string
  token_endpoint_auth_method: string
  /** 1 for clients openhooks manages itself (the admin client). */
  is_system: number
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

export interface ResourceServersTable {
  id: string
  /** The audience. */
  identifier: string
  name: string
  /** JSON array of `{value, description}`. */
  scopes: string
  token_lifetime: number
  signing_alg: string
  created_at: string
  updated_at: string
}

export interface ConnectionsTable {
  id: string
  name: string
  strategy: string
  /** JSON object (`passwordPolicy`, `password_complexity_options`, …). */
  options: string
  created_at: string
  updated_at: string
}

export interface UsersTable {
  /** Without the `auth0|` prefix. */
  id: string
  connection_id: string
  email: string | null
  email_key: string | null
  username: string | null
  username_key: string | null
  phone_number: string | null
  email_verified: number
  phone_verified: number
  password_hash: string | null
  user_metadata: string
  app_metadata: string
  last_password_reset: string | null
  created_at: string
  updated_at: string
}

export interface TenantLogsTable {
  log_id: string
  date: string
  type: string
  description: string | null
  client_id: string | null
  client_name: string | null
  user_id: string | null
  user_name: string | null
  ip: string | null
  user_agent: string | null
  hook_id: string | null
  /** JSON object. */
  details: string
  /** Commit order across the cluster (migration 0008); set by the insert. */
  seq: number | null
}

export interface DependencyBundlesTable {
  key: string
  name: string
  version: string
  source: string
  source_sha256: string
  created_at: string
}

export interface DependencyRangesTable {
  spec: string
  version: string
  resolved_at: string
}

export interface PasswordTicketsTable {
  id: string
  /** SHA-256 of the token, hex; the token itself is never stored. */
  token_hash: string
  user_id: string
  result_url: string | null
  mark_email_verified: number
  expires_at: string
  used_at: string | null
  created_at: string
}

export interface GuardianSettingsTable {
  key: string
  /** JSON. */
  value: string
  updated_at: string
}

export interface MfaTokensTable {
  /** Keyed hash of the `mfa_token`; the token itself is never stored. */
  token_hash: string
  user_id: string
  client_id: string
  audience: string
  /** Space-separated scopes of the password request. */
  scope: string
  expires_at: string
  created_at: string
}

export interface MfaAuthenticatorsTable {
  id: string
  user_id: string
  oob_channel: string
  phone_number: string
  confirmed: number
  /** Keyed hash of the recovery code shown at enrollment. */
  recovery_code_hash: string | null
  created_at: string
}

export interface MfaChallengesTable {
  /** Keyed hash of the `oob_code` handle given to the client. */
  oob_code_hash: string
  authenticator_id: string
  user_id: string
  client_id: string
  /** Keyed hash of the one-time code sent by SMS. */
  code_hash: string
  attempts: number
  expires_at: string
  used_at: string | null
  created_at: string
}

export interface MfaSmsSendsTable {
  id: string
  phone_number: string
  sent_at: string
}

/** One row per lock name (migration 0010): upserting it holds a row lock until commit. */
export interface NamedLocksTable {
  name: string
}

/** A Management API token bucket shared by every node (migration 0010). */
export interface RateLimitBucketsTable {
  bucket_key: string
  tokens: number
  updated_ms: number
  allowed: number
}

/** A dashboard session; only the SHA-256 of its cookie value is kept (migration 0010). */
export interface DashboardSessionsTable {
  id_hash: string
  email: string
  created_ms: number
  last_seen_ms: number
}

/** The dashboard's operator account, on PostgreSQL (migration 0010). */
export interface OperatorAccountsTable {
  id: string
  email: string
  password_hash: string
  updated_at: string
}

/** A recent execution of a hook, for the live logs of every node (migration 0011). */
export interface HookExecutionsTable {
  id: string
  hook_id: string
  ended_ms: number
  body: string
}

/** A fixed window of counted attempts (the dashboard's sign-in limit, migration 0011). */
export interface AttemptWindowsTable {
  window_key: string
  start_ms: number
  attempts: number
}

export interface Database {
  hooks: HooksTable
  hook_secrets: HookSecretsTable
  hook_versions: HookVersionsTable
  hook_settings: HookSettingsTable
  clients: ClientsTable
  client_grants: ClientGrantsTable
  signing_keys: SigningKeysTable
  resource_servers: ResourceServersTable
  connections: ConnectionsTable
  users: UsersTable
  tenant_logs: TenantLogsTable
  dependency_bundles: DependencyBundlesTable
  dependency_ranges: DependencyRangesTable
  password_tickets: PasswordTicketsTable
  guardian_settings: GuardianSettingsTable
  mfa_tokens: MfaTokensTable
  mfa_authenticators: MfaAuthenticatorsTable
  mfa_challenges: MfaChallengesTable
  mfa_sms_sends: MfaSmsSendsTable
  named_locks: NamedLocksTable
  rate_limit_buckets: RateLimitBucketsTable
  dashboard_sessions: DashboardSessionsTable
  operator_accounts: OperatorAccountsTable
  hook_executions: HookExecutionsTable
  attempt_windows: AttemptWindowsTable
}
