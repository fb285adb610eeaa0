import { isAbsolute, resolve } from 'node:path'
import { CONFIG_KEYS, type ConfigKey, type ConfigType } from './schema.js'

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

/** The validated, frozen configuration every component receives as an argument. */
export interface Config {
  readonly port: number
  readonly host: string
  /** Absolute path. */
  readonly dataDir: string
  /** PostgreSQL when `url` is set; the embedded SQLite database in `dataDir` otherwise. */
  readonly database: {
    readonly url: string | undefined
    readonly poolSize: number
    readonly statementTimeoutMs: number
    /** SQLite's `synchronous` pragma (WAL mode): `full` survives a power cut, `normal` is faster. */
    readonly sqliteSynchronous: 'full' | 'normal'
  }
  /** Always ends with `/`. */
  readonly issuer: string
  /** `${issuer}api/v2/`. */
  readonly managementAudience: string
  readonly adminClient: { readonly clientId: string; readonly clientSecret: string } | undefined
  /** The dashboard operator account, when configured; generated on first start otherwise. */
  readonly operator: { readonly email: string; readonly password: string } | undefined
  /** 32 bytes, or `undefined` to use (or create) `master.key` in the data dir. */
  readonly masterKey: Buffer | undefined
  readonly tokenLifetimeS: number
  readonly rateLimit: {
    readonly enabled: boolean
    readonly burst: number
    readonly perSecond: number
  }
  readonly trustProxy: boolean
  /** PEM file paths (absolute) when the server speaks HTTPS; read by `main.ts` at start. */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined
  readonly sandbox: {
    /** `undefined`: one worker per core. */
    readonly workers: number | undefined
    /** Workers of the `credentials-exchange` hook alone (0: it shares the others). */
    readonly tokenWorkers: number
    /** Per extensibility point: pending calls, and calls handed to workers at once. */
    readonly pointMaxPending: number
    readonly pointMaxConcurrent: number
    /** MiB of warm isolate heap per worker, and the resident-memory ceiling of a worker. */
    readonly warmHeapMb: number
    readonly workerMaxRssMb: number
    /** µs of idle polling per worker after an answer (0: off). */
    readonly idlePollUs: number
    readonly hookTimeoutMs: number
    readonly hookMemoryMb: number
    /** Outbound HTTP of hook code (docs/egress.md). */
    readonly egress: {
      readonly mode: 'public' | 'allowlist' | 'none'
      /** `host:port` entries, checked for form here and parsed by the sandbox. */
      readonly allow: readonly string[]
      readonly requestTimeoutMs: number
      readonly maxResponseBytes: number
      readonly maxRequestsPerCall: number
      readonly maxRedirects: number
      /** Absolute path of a PEM file of extra CAs; read by `main.ts` at start. */
      readonly caFile: string | undefined
    }
  }
  /** npm dependencies of hooks (docs/dependencies.md). */
  readonly dependencies: {
    readonly mode: 'npm' | 'off'
    /** `undefined`: npm's own configuration. */
    readonly registry: string | undefined
    readonly timeoutMs: number
  }
  /** Newest versions kept per hook (issue 22). */
  readonly hookVersionsKept: number
  /** How long the enabled hook of a trigger is cached, in milliseconds (`OPENHOOKS_HOOK_CACHE_TTL_MS`). */
  readonly hookCacheTtlMs: number
  readonly tenantLogs: {
    readonly retentionDays: number
    readonly maxEvents: number
  }
  /** SMTP relay for password-change e-mails; `undefined`: links are logged instead. */
  readonly smtp: { readonly url: string; readonly from: string } | undefined
  /** Multi-factor authentication by SMS (docs/mfa.md). */
  /** Signups accepted per client IP per minute; 0: no limit. */
  readonly signupPerIpPerMinute: number
  readonly mfa: {
    readonly smsPerHour: number
    readonly codeTtlS: number
    readonly maxAttempts: number
    readonly mfaTokenTtlS: number
  }
  readonly logLevel: LogLevel
}

/** Thrown by `loadConfig` with every problem found, one per line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly problems: readonly string[]
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.problems = problems
  }
}

type Parsed = string | number | boolean | Buffer

function parseValue(key: ConfigKey, raw: string): Parsed | { problem: string } {
  const type: ConfigType = key.type
  switch (type.kind) {
    case 'string':
      if (raw.length < (type.minLength ?? 0)) {
        return { problem: `${key.env} must be at least ${type.minLength ?? 0} characters long` }
      }
      return raw
    case 'integer': {
      if (!/^-?\d+$/.test(raw.trim())) return { problem: `${key.env} must be an integer` }
      const n = Number(raw)
      if (n < type.min || n > type.max) {
        return { problem: `${key.env} must be between ${type.min} and ${type.max}` }
      }
      return n
    }
    case 'boolean': {
      const v = raw.trim().toLowerCase()
      if (['true', '1', 'yes', 'on'].includes(v)) return true
      if (['false', '0', 'no', 'off'].includes(v)) return false
      return { problem: `${key.env} must be true or false` }
    }
    case 'url': {
      let url: URL
      try {
        url = new URL(raw)
      } catch {
        return { problem: `${key.env} must be an absolute URL` }
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        return { problem: `${key.env} must be an http or https URL` }
      }
      if (url.search !== '' || url.hash !== '') {
        return { problem: `${key.env} must not have a query or fragment` }
      }
      return url.href.endsWith('/') ? url.href : `${url.href}/`
    }
    case 'enum':
      if (!type.values.includes(raw)) {
        return { problem: `${key.env} must be one of ${type.values.join(', ')}` }
      }
      return raw
    case 'base64-key': {
      const buf = Buffer.from(raw.trim(), 'base64')
      if (!/^[A-Za-z0-9+/=_-]+$/.test(raw.trim()) || buf.length !== type.bytes) {
        return {
          problem: `${key.env} must be ${type.bytes} bytes encoded as base64 (try: openssl rand -base64 ${type.bytes})`,
        }
      }
      return buf
    }
  }
}

/**
 * Reads and validates the configuration from an environment map. Pure: the only input is `env`
 * (and `cwd` to resolve a relative data dir). Throws one `ConfigError` listing every problem.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  cwd = process.cwd(),
): Config {
  const problems: string[] = []
  const values = new Map<string, Parsed>()
  for (const key of CONFIG_KEYS as readonly ConfigKey[]) {
    const raw = env[key.env]
    if (raw === undefined || raw === '') {
      if (key.default !== undefined) values.set(key.env, key.default)
      continue
    }
    const parsed = parseValue(key, raw)
    if (typeof parsed === 'object' && !Buffer.isBuffer(parsed)) problems.push(parsed.problem)
    else values.set(key.env, parsed)
  }

  const clientId = values.get('OPENHOOKS_ADMIN_CLIENT_ID')
  const clientSecret = values.get('OPENHOOKS_ADMIN_CLIENT_SECRET')
  if ((clientId === undefined) !== (clientSecret === undefined)) {
    problems.push(
      'OPENHOOKS_ADMIN_CLIENT_ID and OPENHOOKS_ADMIN_CLIENT_SECRET must be set together, or both left unset',
    )
  }
  const operatorEmail = values.get('OPENHOOKS_ADMIN_EMAIL') as string | undefined
  const operatorPassword = values.get('OPENHOOKS_ADMIN_PASSWORD') as string | undefined
  if ((operatorEmail === undefined) !== (operatorPassword === undefined)) {
    problems.push(
      'OPENHOOKS_ADMIN_EMAIL and OPENHOOKS_ADMIN_PASSWORD must be set together, or both left unset',
    )
  }
  const tlsCert = values.get('OPENHOOKS_TLS_CERT') as string | undefined
  const tlsKey = values.get('OPENHOOKS_TLS_KEY') as string | undefined
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    problems.push(
      'OPENHOOKS_TLS_CERT and OPENHOOKS_TLS_KEY must be set together, or both left unset',
    )
  }
  const smtpUrl = values.get('OPENHOOKS_SMTP_URL') as string | undefined
  const smtpFrom = values.get('OPENHOOKS_SMTP_FROM') as string | undefined
  if (smtpUrl !== undefined && !/^smtps?:\/\/[^/?#]+\/?$/i.test(smtpUrl)) {
    problems.push('OPENHOOKS_SMTP_URL must look like smtp://user:pass@host:port or smtps://…')
  }
  if (smtpUrl !== undefined && smtpFrom === undefined) {
    problems.push('OPENHOOKS_SMTP_FROM must be set when OPENHOOKS_SMTP_URL is')
  }
  const databaseUrl = values.get('OPENHOOKS_DATABASE_URL') as string | undefined
  if (databaseUrl !== undefined && !/^postgres(?:ql)?:\/\/[^/?#]+/i.test(databaseUrl)) {
    problems.push('OPENHOOKS_DATABASE_URL must look like postgres://user:pass@host:5432/db')
  }
  if (databaseUrl !== undefined && values.get('OPENHOOKS_MASTER_KEY') === undefined) {
    problems.push(
      'OPENHOOKS_MASTER_KEY is required with OPENHOOKS_DATABASE_URL: every node sharing the database must use the same key (generate one with `openssl rand -base64 32`)',
    )
  }
  const egressAllow = parseEgressAllow(values.get('OPENHOOKS_EGRESS_ALLOW') as string | undefined)
  problems.push(...egressAllow.problems)
  if (problems.length > 0) throw new ConfigError(problems)

  const port = values.get('PORT') as number
  const scheme = tlsCert === undefined ? 'http' : 'https'
  const issuer =
    (values.get('OPENHOOKS_ISSUER') as string | undefined) ?? `${scheme}://localhost:${port}/`
  const dataDir = values.get('OPENHOOKS_DATA_DIR') as string
  const egressCaFile = values.get('OPENHOOKS_EGRESS_CA_FILE') as string | undefined
  const absolute = (path: string) => (isAbsolute(path) ? path : resolve(cwd, path))
  const config: Config = {
    port,
    host: values.get('HOST') as string,
    dataDir: absolute(dataDir),
    database: {
      url: databaseUrl,
      poolSize: values.get('OPENHOOKS_DATABASE_POOL_SIZE') as number,
      statementTimeoutMs: values.get('OPENHOOKS_DATABASE_STATEMENT_TIMEOUT_MS') as number,
      sqliteSynchronous: values.get('OPENHOOKS_SQLITE_SYNCHRONOUS') as 'full' | 'normal',
    },
    issuer,
    managementAudience: `${issuer}api/v2/`,
    adminClient:
      clientId === undefined
        ? undefined
        : { clientId: clientId as string, clientSecret: clientSecret as string },
    operator:
      operatorEmail === undefined || operatorPassword === undefined
        ? undefined
        : { email: operatorEmail, password: operatorPassword },
    masterKey: values.get('OPENHOOKS_MASTER_KEY') as Buffer | undefined,
    tokenLifetimeS: values.get('OPENHOOKS_TOKEN_LIFETIME_S') as number,
    rateLimit: {
      enabled: values.get('OPENHOOKS_RATE_LIMIT_ENABLED') as boolean,
      burst: values.get('OPENHOOKS_RATE_LIMIT_BURST') as number,
      perSecond: values.get('OPENHOOKS_RATE_LIMIT_PER_SECOND') as number,
    },
    trustProxy: values.get('OPENHOOKS_TRUST_PROXY') as boolean,
    tls:
      tlsCert === undefined || tlsKey === undefined
        ? undefined
        : { certFile: absolute(tlsCert), keyFile: absolute(tlsKey) },
    sandbox: {
      workers: values.get('OPENHOOKS_SANDBOX_WORKERS') as number | undefined,
      tokenWorkers: values.get('OPENHOOKS_SANDBOX_TOKEN_WORKERS') as number,
      pointMaxPending: values.get('OPENHOOKS_SANDBOX_POINT_MAX_PENDING') as number,
      pointMaxConcurrent: values.get('OPENHOOKS_SANDBOX_POINT_MAX_CONCURRENT') as number,
      warmHeapMb: values.get('OPENHOOKS_SANDBOX_WARM_HEAP_MB') as number,
      workerMaxRssMb: values.get('OPENHOOKS_SANDBOX_WORKER_MAX_RSS_MB') as number,
      idlePollUs: values.get('OPENHOOKS_SANDBOX_IDLE_POLL_US') as number,
      hookTimeoutMs: values.get('OPENHOOKS_HOOK_TIMEOUT_MS') as number,
      hookMemoryMb: values.get('OPENHOOKS_HOOK_MEMORY_MB') as number,
      egress: {
        mode: values.get('OPENHOOKS_EGRESS') as 'public' | 'allowlist' | 'none',
        allow: egressAllow.entries,
        requestTimeoutMs: values.get('OPENHOOKS_EGRESS_TIMEOUT_MS') as number,
        maxResponseBytes: values.get('OPENHOOKS_EGRESS_MAX_RESPONSE_BYTES') as number,
        maxRequestsPerCall: values.get('OPENHOOKS_EGRESS_MAX_REQUESTS_PER_CALL') as number,
        maxRedirects: values.get('OPENHOOKS_EGRESS_MAX_REDIRECTS') as number,
        caFile: egressCaFile === undefined ? undefined : absolute(egressCaFile),
      },
    },
    dependencies: {
      mode: values.get('OPENHOOKS_DEPENDENCIES') as 'npm' | 'off',
      registry: values.get('OPENHOOKS_NPM_REGISTRY') as string | undefined,
      timeoutMs: values.get('OPENHOOKS_DEPENDENCY_TIMEOUT_MS') as number,
    },
    hookVersionsKept: values.get('OPENHOOKS_HOOK_VERSIONS_KEPT') as number,
    hookCacheTtlMs: values.get('OPENHOOKS_HOOK_CACHE_TTL_MS') as number,
    tenantLogs: {
      retentionDays: values.get('OPENHOOKS_LOG_RETENTION_DAYS') as number,
      maxEvents: values.get('OPENHOOKS_LOG_MAX_EVENTS') as number,
    },
    smtp:
      smtpUrl === undefined || smtpFrom === undefined
        ? undefined
        : { url: smtpUrl, from: smtpFrom },
    signupPerIpPerMinute: values.get('OPENHOOKS_SIGNUP_RATE_LIMIT_PER_MINUTE') as number,
    mfa: {
      smsPerHour: values.get('OPENHOOKS_MFA_SMS_PER_HOUR') as number,
      codeTtlS: values.get('OPENHOOKS_MFA_CODE_TTL_S') as number,
      maxAttempts: values.get('OPENHOOKS_MFA_MAX_ATTEMPTS') as number,
      mfaTokenTtlS: values.get('OPENHOOKS_MFA_TOKEN_TTL_S') as number,
    },
    logLevel: values.get('OPENHOOKS_LOG_LEVEL') as LogLevel,
  }
  return Object.freeze(config)
}

/** `host:port` or `[ipv6]:port`, port 1–65535. */
const EGRESS_ENTRY = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/

function parseEgressAllow(raw: string | undefined): { entries: string[]; problems: string[] } {
  const entries: string[] = []
  const problems: string[] = []
  for (const item of (raw ?? '').split(',')) {
    const entry = item.trim()
    if (entry === '') continue
    const match = EGRESS_ENTRY.exec(entry)
    const port = Number(match?.[1])
    if (match === null || port < 1 || port > 65_535) {
      problems.push(
        `OPENHOOKS_EGRESS_ALLOW: "${entry}" is not host:port (use [addr]:port for IPv6, port 1–65535)`,
      )
    } else entries.push(entry)
  }
  return { entries, problems }
}
