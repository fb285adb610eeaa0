/**
 * Every configuration key openhooks reads, with its type, default and documentation.
 *
 * This table is the single source of `docs/configuration.md` and of the README's configuration
 * table (`npm run docs:config` regenerates both; `test/config/docs.test.ts` fails when they are
 * stale). Values come from environment variables only; `loadConfig()` is the only reader.
 */

/** How a raw environment string is turned into a value. */
export type ConfigType =
  | { readonly kind: 'string'; readonly minLength?: number }
  | { readonly kind: 'integer'; readonly min: number; readonly max: number }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'url' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'base64-key'; readonly bytes: number }

export interface ConfigKey {
  /** Environment variable name. */
  readonly env: string
  readonly type: ConfigType
  /** Default value as documented; `undefined` means "not set" (see `description`). */
  readonly default: string | number | boolean | undefined
  /** Shown in the docs when the default is computed rather than fixed. */
  readonly defaultText?: string
  readonly description: string
  /** Marked with a warning in the docs. */
  readonly security?: string
}

export const CONFIG_KEYS = [
  {
    env: 'PORT',
    type: { kind: 'integer', min: 0, max: 65_535 },
    default: 3000,
    description: 'TCP port the HTTP server listens on. `0` picks a free port.',
  },
  {
    env: 'HOST',
    type: { kind: 'string', minLength: 1 },
    default: '127.0.0.1',
    description:
      'Address the HTTP server binds to. The default only accepts local connections; use `0.0.0.0` to listen on every interface.',
  },
  {
    env: 'OPENHOOKS_DATA_DIR',
    type: { kind: 'string', minLength: 1 },
    default: './data',
    description:
      'Folder for the embedded SQLite database, the generated master key and the generated admin client credentials. `openhooks serve` creates it when missing and records its issuer there (`server.json`); `openhooks token` needs the same folder and never creates one.',
  },
  {
    env: 'OPENHOOKS_DATABASE_URL',
    type: { kind: 'string', minLength: 1 },
    default: undefined,
    defaultText: 'unset: the embedded SQLite database in `$OPENHOOKS_DATA_DIR`',
    description:
      'A `postgres://user:pass@host:5432/db` URL selects PostgreSQL instead of the embedded SQLite database, so that several openhooks nodes can share one database (docs/cluster.md). TLS options are given as the `pg` client takes them, e.g. `?sslmode=require`. Migrations run at start, under a lock, by the first node. Requires `OPENHOOKS_MASTER_KEY`.',
    security: 'Holds the database password.',
  },
  {
    env: 'OPENHOOKS_DATABASE_POOL_SIZE',
    type: { kind: 'integer', min: 2, max: 1000 },
    default: 10,
    description:
      'Connections each node keeps open to PostgreSQL at most (at least 2: first-start work holds a lock on one connection while it writes on another). Ignored with the embedded SQLite database.',
  },
  {
    env: 'OPENHOOKS_SQLITE_SYNCHRONOUS',
    type: { kind: 'enum', values: ['full', 'normal'] },
    default: 'full',
    description:
      "SQLite's `synchronous` setting (the database is always in WAL mode). `full`: every commit is flushed to disk before the request is answered, so an acknowledged signup or password change survives a power cut. `normal`: faster, but the last commits before a power cut or OS crash may be lost (a killed process loses nothing either way). docs/performance.md gives the cost on the token endpoint. Ignored with PostgreSQL.",
  },
  {
    env: 'OPENHOOKS_DATABASE_STATEMENT_TIMEOUT_MS',
    type: { kind: 'integer', min: 100, max: 600_000 },
    default: 5000,
    description:
      "Longest one SQL statement may run on PostgreSQL before it is cancelled (PostgreSQL's `statement_timeout`), in milliseconds; also the longest wait for a connection. A request that hits it fails instead of hanging while the database is unreachable. Ignored with the embedded SQLite database.",
  },
  {
    env: 'OPENHOOKS_ISSUER',
    type: { kind: 'url' },
    default: undefined,
    defaultText: '`http://localhost:$PORT/` (`https://` when TLS is on)',
    description:
      'Public base URL of this server, with a trailing slash. It is the `iss` of every token, and the Management API audience is `${OPENHOOKS_ISSUER}api/v2/`. Set it to the URL clients use, e.g. `https://auth.example.com/`.',
  },
  {
    env: 'OPENHOOKS_ADMIN_CLIENT_ID',
    type: { kind: 'string', minLength: 1 },
    default: undefined,
    defaultText: 'generated',
    description:
      'Client id of the admin client, which holds every Management API scope. Set together with `OPENHOOKS_ADMIN_CLIENT_SECRET`. When both are unset, a client is generated on first start, printed once, and saved in `$OPENHOOKS_DATA_DIR/admin-client.json` (mode 0600).',
  },
  {
    env: 'OPENHOOKS_ADMIN_CLIENT_SECRET',
    type: { kind: 'string', minLength: 16 },
    default: undefined,
    defaultText: 'generated',
    description:
      'Client secret of the admin client (at least 16 characters). Stored only as a keyed hash.',
    security: 'Treat it like a root password: it can read and change every hook.',
  },
  {
    env: 'OPENHOOKS_ADMIN_EMAIL',
    type: { kind: 'string', minLength: 3 },
    default: undefined,
    defaultText: '`admin@openhooks.local` when generated',
    description:
      'E-mail address of the dashboard operator account. Set together with `OPENHOOKS_ADMIN_PASSWORD`. When both are unset, an account is generated on first start, its password printed once, and only its scrypt hash saved in `$OPENHOOKS_DATA_DIR/operator.json` (mode 0600). See docs/dashboard.md.',
  },
  {
    env: 'OPENHOOKS_ADMIN_PASSWORD',
    type: { kind: 'string', minLength: 12 },
    default: undefined,
    defaultText: 'generated',
    description:
      'Password of the dashboard operator account (at least 12 characters). Stored only as a scrypt hash; changing it takes effect at the next start.',
    security: 'The dashboard can read and change every hook: treat it like a root password.',
  },
  {
    env: 'OPENHOOKS_MASTER_KEY',
    type: { kind: 'base64-key', bytes: 32 },
    default: undefined,
    defaultText: 'generated into `$OPENHOOKS_DATA_DIR/master.key`',
    description:
      '32 random bytes, base64. Hook secrets, the token signing key and client secret hashes are derived from it. Generate one with `openssl rand -base64 32`.',
    security:
      'When unset, the key is generated next to the database it protects. Set it from a secret store in production, and back it up: without it, stored secrets cannot be decrypted.',
  },
  {
    env: 'OPENHOOKS_TOKEN_LIFETIME_S',
    type: { kind: 'integer', min: 60, max: 2_592_000 },
    default: 86_400,
    description: 'Lifetime of Management API access tokens, in seconds (Auth0 uses 24 hours).',
  },
  {
    env: 'OPENHOOKS_RATE_LIMIT_ENABLED',
    type: { kind: 'boolean' },
    default: true,
    description:
      'Whether the Management API rate limit applies. The `X-RateLimit-*` headers are sent either way.',
  },
  {
    env: 'OPENHOOKS_RATE_LIMIT_BURST',
    type: { kind: 'integer', min: 1, max: 1_000_000 },
    default: 50,
    description:
      'Size of each client’s token bucket on the Management API: how many requests may arrive at once (Auth0 Enterprise production: 50).',
  },
  {
    env: 'OPENHOOKS_RATE_LIMIT_PER_SECOND',
    type: { kind: 'integer', min: 1, max: 1_000_000 },
    default: 16,
    description:
      'Refill rate of each token bucket, in requests per second (Auth0 Enterprise production: 16).',
  },
  {
    env: 'OPENHOOKS_TRUST_PROXY',
    type: { kind: 'boolean' },
    default: false,
    description:
      'Trust `X-Forwarded-*` headers, for the client address used in rate limiting and logs. Enable only behind a reverse proxy.',
  },
  {
    env: 'OPENHOOKS_TLS_CERT',
    type: { kind: 'string', minLength: 1 },
    default: undefined,
    defaultText: 'unset (plain HTTP)',
    description:
      'Path of a PEM file with the server certificate (and any intermediates after it). Set together with `OPENHOOKS_TLS_KEY` to serve HTTPS, which the `auth0` SDKs and the Deploy CLI require: they always call `https://DOMAIN`. For a local certificate, see docs/migrating-from-auth0.md.',
  },
  {
    env: 'OPENHOOKS_TLS_KEY',
    type: { kind: 'string', minLength: 1 },
    default: undefined,
    defaultText: 'unset (plain HTTP)',
    description:
      'Path of the PEM file with the private key of `OPENHOOKS_TLS_CERT` (unencrypted). Both files are read once, at start.',
    security: 'Make the key file readable only by the user openhooks runs as.',
  },
  {
    env: 'OPENHOOKS_SANDBOX_WORKERS',
    type: { kind: 'integer', min: 1, max: 64 },
    default: undefined,
    defaultText: 'number of cores minus `OPENHOOKS_SANDBOX_TOKEN_WORKERS`, at least 1',
    description:
      'Worker processes that run hook code of every extensibility point without workers of its own (see `OPENHOOKS_SANDBOX_TOKEN_WORKERS`). Each hook always runs in the same worker, so its warm isolate is reused.',
  },
  {
    env: 'OPENHOOKS_SANDBOX_TOKEN_WORKERS',
    type: { kind: 'integer', min: 0, max: 64 },
    default: 1,
    description:
      'Worker processes of their own for the `credentials-exchange` hook, so that hooks of other points (a CPU-bound `pre-user-registration` hook under a flood of anonymous signups) cannot delay token issuance: the operating system schedules the processes apart. 0 runs it in the shared workers.',
  },
  {
    env: 'OPENHOOKS_SANDBOX_POINT_MAX_PENDING',
    // DEFAULT_LANE_MAX_PENDING_CALLS of src/sandbox/lanes.ts (config imports no sandbox)
    type: { kind: 'integer', min: 1, max: 100_000 },
    default: 250,
    description:
      'Hook calls of one extensibility point waiting for an outcome (queued or running) before further ones are refused at once: `/oauth/token` answers 429 `too_many_requests`, `/dbconnections/signup` 429 `too_many_requests`. Each point has its own count, so a flood at one point never refuses calls of another. The sandbox as a whole takes at most 1,000.',
  },
  {
    env: 'OPENHOOKS_SANDBOX_POINT_MAX_CONCURRENT',
    // DEFAULT_LANE_MAX_CONCURRENT_CALLS of src/sandbox/lanes.ts
    type: { kind: 'integer', min: 1, max: 10_000 },
    default: 8,
    description:
      "Hook calls of one extensibility point handed to the workers at once; the others wait in the point's queue (and count as pending). A worker runs one piece of hook code at a time, so this also bounds how many CPU-bound calls of one point can stand before a call of another point on a shared worker.",
  },
  {
    env: 'OPENHOOKS_SANDBOX_WARM_HEAP_MB',
    // DEFAULT_MAX_WARM_HEAP_MB of src/sandbox/runner.ts
    type: { kind: 'integer', min: 16, max: 65_536 },
    default: 256,
    description:
      "Heap, in MiB, that the warm isolates of one worker may hold together (measured after a hook's first call and every 16th); past it the least recently used idle isolates are dropped, and their hooks start cold on their next call. The default, with the default workers of a 2-core host, fits a 2 GB host.",
  },
  {
    env: 'OPENHOOKS_SANDBOX_WORKER_MAX_RSS_MB',
    // DEFAULT_MAX_WORKER_RSS_MB and MIN_WORKER_RSS_MB of src/sandbox/runner.ts
    type: { kind: 'integer', min: 128, max: 65_536 },
    default: 640,
    description:
      'Resident memory, in MiB, of one sandbox worker process, measured from the process (heaps, external buffers, native memory), checked 4 times a second. Past it the worker drops its idle isolates; if it is still past it, the worker is replaced, its calls in flight fail, and the log event `worker.memory_ceiling` names the hooks holding the most memory.',
  },
  {
    env: 'OPENHOOKS_SANDBOX_IDLE_POLL_US',
    // DEFAULT_IDLE_POLL_US and MAX_IDLE_POLL_US of src/sandbox/runner.ts (config imports no sandbox)
    type: { kind: 'integer', min: 0, max: 10_000 },
    default: 300,
    description:
      'Microseconds a sandbox worker keeps reading its channel without sleeping after it answered its last call, so that a call following closely finds it awake (docs/performance.md). It spends up to that much CPU time per call while calls keep coming (at most half a core per worker), and stops polling after a window in which nothing came or when another process takes its CPU. 0 turns it off, for machines where every CPU cycle is counted.',
  },
  {
    env: 'OPENHOOKS_HOOK_TIMEOUT_MS',
    type: { kind: 'integer', min: 100, max: 300_000 },
    default: 20_000,
    description:
      'Wall-clock limit of one hook call, in milliseconds (Auth0: 20 seconds). Background work after the callback may run until it.',
  },
  {
    env: 'OPENHOOKS_HOOK_MEMORY_MB',
    type: { kind: 'integer', min: 8, max: 4_096 },
    default: 64,
    description:
      'Heap limit of the isolate of one hook version, in MiB. Approximate: isolated-vm notes that a script may exceed it two or three times before it is stopped.',
  },
  {
    env: 'OPENHOOKS_EGRESS',
    type: { kind: 'enum', values: ['public', 'allowlist', 'none'] },
    default: 'public',
    description:
      'Where hook code may send HTTP requests (`fetch`, `http`/`https`, `request`); see docs/egress.md. `public`: any public address, while loopback, private, link-local, multicast, reserved and cloud-metadata addresses are refused unless listed in `OPENHOOKS_EGRESS_ALLOW`. `allowlist`: only the listed destinations. `none`: no request at all. The check applies to the address actually connected and to every redirect.',
    security:
      'With `public`, hooks can reach any host on the internet. Use `allowlist` when the hooks only call known APIs.',
  },
  {
    env: 'OPENHOOKS_EGRESS_ALLOW',
    type: { kind: 'string', minLength: 1 },
    default: undefined,
    defaultText: 'empty',
    description:
      'Comma-separated `host:port` destinations hooks may reach whatever their address (`[::1]:8080` for IPv6 literals), e.g. `api.twilio.com:443,10.0.0.5:8080`. A name matches the host the hook asked for; an IP address matches the address connected to.',
  },
  {
    env: 'OPENHOOKS_EGRESS_TIMEOUT_MS',
    type: { kind: 'integer', min: 100, max: 300_000 },
    default: 10_000,
    description:
      'Longest one outbound request of a hook may take, redirects and body included, in milliseconds. Never longer than what is left of the call (`OPENHOOKS_HOOK_TIMEOUT_MS`); a script may ask for less. Past it the request fails with `ETIMEDOUT`.',
  },
  {
    env: 'OPENHOOKS_EGRESS_MAX_RESPONSE_BYTES',
    type: { kind: 'integer', min: 1_024, max: 67_108_864 },
    default: 5_242_880,
    description:
      'Largest response body a hook may receive, in bytes (also after decompression; default 5 MiB, at most 64 MiB). A larger one fails the request. Bodies are copied into the isolate whole, so they count against `OPENHOOKS_HOOK_MEMORY_MB`.',
  },
  {
    env: 'OPENHOOKS_EGRESS_MAX_REQUESTS_PER_CALL',
    type: { kind: 'integer', min: 1, max: 1_000 },
    default: 20,
    description:
      'Outbound requests one hook call may start (a request counts once, whatever redirects it follows). Further requests of the call throw.',
  },
  {
    env: 'OPENHOOKS_EGRESS_MAX_REDIRECTS',
    type: { kind: 'integer', min: 0, max: 20 },
    default: 10,
    description:
      'Redirects followed for one outbound request (`fetch`, `request`); one more fails it with `ERR_TOO_MANY_REDIRECTS`. `0` follows none. Each hop is checked against the egress policy.',
  },
  {
    env: 'OPENHOOKS_EGRESS_CA_FILE',
    type: { kind: 'string', minLength: 1 },
    default: undefined,
    defaultText: "unset: Node's bundled roots only",
    description:
      "Path of a PEM file with one or more CA certificates that hooks' outbound HTTPS requests trust in addition to Node's bundled roots (a company CA, a private API). Read once, at start; a file that cannot be read or holds no valid certificate stops the start. `NODE_EXTRA_CA_CERTS` is not used by the sandbox.",
  },
  {
    env: 'OPENHOOKS_DEPENDENCIES',
    type: { kind: 'enum', values: ['npm', 'off'] },
    default: 'npm',
    description:
      "How hooks' `dependencies` are handled. `npm`: each one is installed from the npm registry when a hook is saved, checked and bundled for the sandbox (docs/dependencies.md); a dependency that cannot run rejects the save. `off`: they are stored as declared and `require` does not find them.",
  },
  {
    env: 'OPENHOOKS_NPM_REGISTRY',
    type: { kind: 'url' },
    default: undefined,
    defaultText: "npm's own configuration (`.npmrc`, `npm_config_registry`)",
    description:
      'Registry the dependencies of hooks are installed from. Credentials and proxies come from the npm configuration of the user running openhooks.',
  },
  {
    env: 'OPENHOOKS_DEPENDENCY_TIMEOUT_MS',
    type: { kind: 'integer', min: 1_000, max: 600_000 },
    default: 120_000,
    description:
      'Longest one npm command (resolving a range, installing a package) may take when a hook is saved, in milliseconds.',
  },
  {
    env: 'OPENHOOKS_LOG_RETENTION_DAYS',
    type: { kind: 'integer', min: 1, max: 3_650 },
    default: 30,
    description:
      'Tenant log events older than this many days are deleted in the background (Auth0 keeps 1 to 30 days by plan).',
  },
  {
    env: 'OPENHOOKS_LOG_MAX_EVENTS',
    type: { kind: 'integer', min: 100, max: 100_000_000 },
    default: 100_000,
    description:
      'Most tenant log events kept; beyond it, the oldest are deleted in the background.',
  },
  {
    env: 'OPENHOOKS_HOOK_VERSIONS_KEPT',
    type: { kind: 'integer', min: 1, max: 10_000 },
    default: 100,
    description:
      'Newest versions kept per hook (`GET /api/v2/hooks/{id}/versions`); older ones are deleted when a new one is made. Deleting a hook deletes its versions.',
  },
  {
    env: 'OPENHOOKS_HOOK_CACHE_TTL_MS',
    type: { kind: 'integer', min: 0, max: 3_600_000 },
    default: 1_000,
    description:
      "How long a node reuses the enabled hook of a trigger (with its secrets and settings) without reading the database, in milliseconds. A change made on any node reaches every node at once through the change bus (PostgreSQL `LISTEN/NOTIFY`, docs/cluster.md); this lifetime only bounds how stale a node can be when a notification is lost (the node's listening connection dropped). 0 reads the database on every run.",
  },
  {
    env: 'OPENHOOKS_SMTP_URL',
    type: { kind: 'string', minLength: 1 },
    default: undefined,
    defaultText: 'unset: password-change links are written to the server log',
    description:
      'SMTP relay for password-change e-mails: `smtp://user:pass@host:587` (STARTTLS when the relay offers it; required when the URL has credentials, so a relay without STARTTLS fails the delivery before they are sent) or `smtps://user:pass@host:465` (TLS from the start). Credentials are optional; percent-encode special characters. Unset, `POST /dbconnections/change_password` writes the ticket link to the server log at info level instead (event `password_ticket.created`).',
    security:
      'Holds the relay password. When unset, the server log holds live password-change links: protect it accordingly.',
  },
  {
    env: 'OPENHOOKS_SMTP_FROM',
    type: { kind: 'string', minLength: 3 },
    default: undefined,
    description:
      'Sender address of password-change e-mails (`MAIL FROM` and the `From` header). Required with `OPENHOOKS_SMTP_URL`.',
  },
  {
    env: 'OPENHOOKS_SIGNUP_RATE_LIMIT_PER_MINUTE',
    type: { kind: 'integer', min: 0, max: 1_000_000 },
    default: 50,
    description:
      "Signups (`POST /dbconnections/signup`) accepted from one client IP address per minute, as a bucket of that size refilled evenly (Auth0: 50 per minute per IP). Further ones answer 429 `too_many_requests` before any check or hook runs. 0 turns the limit off. Behind a proxy, set `OPENHOOKS_TRUST_PROXY` so that the address is the client's.",
  },
  {
    env: 'OPENHOOKS_MFA_SMS_PER_HOUR',
    type: { kind: 'integer', min: 1, max: 1_000 },
    default: 10,
    description:
      'Most MFA text messages sent to one phone number in any rolling hour (Auth0: 10). Further enrollments and challenges for that number answer 429 `too_many_requests` without calling the `send-phone-message` hook.',
  },
  {
    env: 'OPENHOOKS_MFA_CODE_TTL_S',
    type: { kind: 'integer', min: 30, max: 3_600 },
    default: 300,
    description: 'Lifetime of an MFA one-time code sent by SMS, in seconds.',
  },
  {
    env: 'OPENHOOKS_MFA_MAX_ATTEMPTS',
    type: { kind: 'integer', min: 1, max: 100 },
    default: 5,
    description:
      'Wrong codes accepted for one MFA challenge; after that the challenge is spent and a new code must be requested.',
  },
  {
    env: 'OPENHOOKS_MFA_TOKEN_TTL_S',
    type: { kind: 'integer', min: 60, max: 3_600 },
    default: 600,
    description:
      'Lifetime of the `mfa_token` a password login receives with `mfa_required`, in seconds (Auth0: 10 minutes).',
  },
  {
    env: 'OPENHOOKS_LOG_LEVEL',
    type: { kind: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    default: 'info',
    description: 'Minimum level of the JSON log lines written to stdout.',
  },
] as const satisfies readonly ConfigKey[]

export type ConfigEnvName = (typeof CONFIG_KEYS)[number]['env']
