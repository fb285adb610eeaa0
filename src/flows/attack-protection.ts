/**
 * Attack protection with Auth0's settings and wire shapes (security review finding 3;
 * docs/attack-protection.md):
 *
 * - **Brute-force protection** counts consecutive failed logins per identifier and address
 *   (`count_per_identifier_and_ip`) or per identifier (`count_per_identifier`). An attempt is
 *   counted BEFORE its password is checked and the count is cleared when it succeeds, so
 *   concurrent guesses cannot all be checked. Past `max_attempts` the login answers 429
 *   `too_many_attempts` and the tenant log gets `limit_wc` once. Blocks last until an
 *   administrator removes them (`/api/v2/user-blocks`) or the user's password changes.
 * - **Suspicious IP throttling** counts failed logins per address across identifiers in a leaky
 *   bucket (`stage.pre-login`: `max_attempts`, one regained every `rate` ms); when it is full the
 *   address gets 429 `too_many_attempts` and the log `limit_mu` once.
 * - **Client secrets**: a wrong secret on `/oauth/token` counts per client and address under the
 *   brute-force settings, and per address under IP throttling.
 *
 * Counters live in the database (`attack_protection_counters`), so a cluster shares them.
 */
import { BlockList, isIP } from 'node:net'
import { OAuthError } from '../errors/api-error.js'
import type {
  AttackProtectionStore,
  CounterKind,
  CounterRead,
} from '../storage/attack-protection.js'
import { FreshCache } from '../storage/fresh-cache.js'
import type { UserRecord } from '../storage/store.js'
import type { TenantLog } from '../tenant-log/tenant-log.js'

export const BRUTE_FORCE_SETTING = 'brute-force-protection'
export const SUSPICIOUS_IP_SETTING = 'suspicious-ip-throttling'
/** Entries of an allowlist (Auth0's limit). */
export const MAX_ALLOWLIST_ENTRIES = 100
/** Largest `max_attempts` of brute-force protection. */
export const MAX_BRUTE_FORCE_ATTEMPTS = 100
/** Auth0's answer to a login of a blocked identifier (HTTP 429). */
export const BLOCKED_ACCOUNT_DESCRIPTION =
  "Your account has been blocked after multiple consecutive login attempts. We've sent you an email with instructions on how to unblock it."
/** Auth0's answer to a login from a throttled address (HTTP 429). */
export const SUSPICIOUS_IP_DESCRIPTION =
  'We have detected suspicious login behavior and further attempts will be blocked. Please contact the administrator.'

export type BruteForceMode = 'count_per_identifier_and_ip' | 'count_per_identifier'

export interface BruteForceSettings {
  readonly enabled: boolean
  readonly shields: readonly ('block' | 'user_notification')[]
  readonly allowlist: readonly string[]
  readonly mode: BruteForceMode
  readonly max_attempts: number
}

export interface ThrottleStage {
  readonly max_attempts: number
  /** Milliseconds until one attempt is regained. */
  readonly rate: number
}

export interface SuspiciousIpSettings {
  readonly enabled: boolean
  readonly shields: readonly ('block' | 'admin_notification')[]
  readonly allowlist: readonly string[]
  readonly stage: {
    readonly 'pre-login': ThrottleStage
    readonly 'pre-user-registration': ThrottleStage
  }
}

/** Auth0's defaults for a new tenant. */
export const DEFAULT_BRUTE_FORCE: BruteForceSettings = {
  enabled: true,
  shields: ['block'],
  allowlist: [],
  mode: 'count_per_identifier_and_ip',
  max_attempts: 10,
}

/** Auth0's defaults for a new tenant. */
export const DEFAULT_SUSPICIOUS_IP: SuspiciousIpSettings = {
  enabled: true,
  shields: ['block'],
  allowlist: [],
  stage: {
    'pre-login': { max_attempts: 100, rate: 864_000 },
    'pre-user-registration': { max_attempts: 50, rate: 1_728_000 },
  },
}

/** One block, as `GET /api/v2/user-blocks` lists it. */
export interface UserBlock {
  readonly identifier: string
  readonly ip?: string
  readonly connection: string
}

/** A login or client authentication counted before its check. */
export interface GuardedAttempt {
  /** The credentials were wrong: counts for the address's throttle (the attempt already counted). */
  failed(): Promise<void>
  /** The credentials were right: the consecutive failures are cleared. */
  succeeded(): Promise<void>
}

export interface AttemptOrigin {
  readonly ip?: string
  readonly userAgent?: string
}

function allowlisted(allowlist: readonly string[], ip: string): boolean {
  if (allowlist.length === 0 || isIP(ip) === 0) return false
  const list = new BlockList()
  for (const entry of allowlist) {
    const [address = '', bits] = entry.split('/')
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4'
    if (bits === undefined) list.addAddress(address, family)
    else list.addSubnet(address, Number(bits), family)
  }
  return list.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4')
}

/** An allowlist entry: an IPv4 or IPv6 address, or one with a prefix length (CIDR). */
export function isAllowlistEntry(entry: string): boolean {
  const [address = '', bits, extra] = entry.split('/')
  const family = isIP(address)
  if (family === 0 || extra !== undefined) return false
  if (bits === undefined) return true
  const n = Number(bits)
  return /^\d{1,3}$/.test(bits) && n >= 0 && n <= (family === 4 ? 32 : 128)
}

export const normalizeIdentifier = (identifier: string): string => identifier.trim().toLowerCase()

/**
 * How long the two settings documents are used without reading them again, in milliseconds (the
 * bound on another node's change when its notification is lost; this node's writes and
 * `invalidateSettings` drop them at once).
 */
export const SETTINGS_CACHE_TTL_MS = 1_000
/** Settings documents cached: a handful of names exist (brute force, suspicious IPs, …). */
const SETTINGS_CACHE_MAX_ENTRIES = 64

export class AttackProtection {
  readonly #store: AttackProtectionStore
  readonly #tenantLog: TenantLog | undefined
  readonly #now: () => number
  /** The settings documents by name; concurrent misses share one read. */
  readonly #settings: FreshCache<string, string | undefined>
  readonly #settingsListeners: ((name: string) => void)[] = []

  constructor(store: AttackProtectionStore, tenantLog?: TenantLog, now: () => number = Date.now) {
    this.#store = store
    this.#tenantLog = tenantLog
    this.#now = now
    this.#settings = new FreshCache({
      ttlMs: SETTINGS_CACHE_TTL_MS,
      maxEntries: SETTINGS_CACHE_MAX_ENTRIES,
      keep: 'all',
      now,
    })
  }

  /** A settings document, from memory while fresh. */
  #setting(name: string): Promise<string | undefined> {
    return this.#settings.read(name, () => this.#store.getSetting(name))
  }

  async #putSetting(name: string, value: string): Promise<void> {
    this.invalidateSettings()
    await this.#store.putSetting(name, value)
    this.invalidateSettings()
    for (const listener of this.#settingsListeners) listener(name)
  }

  /** Calls `listener` with a setting's name after this process changed it (for other nodes). */
  onSettingsChange(listener: (name: string) => void): void {
    this.#settingsListeners.push(listener)
  }

  /** Drops the cached settings: another node changed them (the cluster's notifications). */
  invalidateSettings(): void {
    this.#settings.clear()
  }

  async bruteForce(): Promise<BruteForceSettings> {
    const stored = await this.#setting(BRUTE_FORCE_SETTING)
    return stored === undefined
      ? DEFAULT_BRUTE_FORCE
      : { ...DEFAULT_BRUTE_FORCE, ...(JSON.parse(stored) as Partial<BruteForceSettings>) }
  }

  async updateBruteForce(patch: Partial<BruteForceSettings>): Promise<BruteForceSettings> {
    const next = { ...(await this.bruteForce()), ...patch }
    await this.#putSetting(BRUTE_FORCE_SETTING, JSON.stringify(next))
    return next
  }

  async suspiciousIp(): Promise<SuspiciousIpSettings> {
    const stored = await this.#setting(SUSPICIOUS_IP_SETTING)
    if (stored === undefined) return DEFAULT_SUSPICIOUS_IP
    const parsed = JSON.parse(stored) as Partial<SuspiciousIpSettings>
    return {
      ...DEFAULT_SUSPICIOUS_IP,
      ...parsed,
      stage: { ...DEFAULT_SUSPICIOUS_IP.stage, ...parsed.stage },
    }
  }

  async updateSuspiciousIp(
    patch: Partial<Omit<SuspiciousIpSettings, 'stage'>> & {
      stage?: Partial<{ [K in keyof SuspiciousIpSettings['stage']]: Partial<ThrottleStage> }>
    },
  ): Promise<SuspiciousIpSettings> {
    const current = await this.suspiciousIp()
    const stage = { ...current.stage }
    for (const name of ['pre-login', 'pre-user-registration'] as const) {
      const change = patch.stage?.[name]
      if (change !== undefined) stage[name] = { ...stage[name], ...change }
    }
    const next: SuspiciousIpSettings = { ...current, ...patch, stage }
    await this.#putSetting(SUSPICIOUS_IP_SETTING, JSON.stringify(next))
    return next
  }

  /**
   * Before a password check: refuses a throttled address or a blocked identifier (429
   * `too_many_attempts`), otherwise counts the attempt as failed until `succeeded()`.
   */
  async beginLogin(
    input: { identifier: string; connection: string } & AttemptOrigin,
  ): Promise<GuardedAttempt> {
    const settings = await this.bruteForce()
    const identifier = normalizeIdentifier(input.identifier)
    const counterIp = settings.mode === 'count_per_identifier_and_ip' ? (input.ip ?? '') : ''
    return this.#begin('bf', identifier, counterIp, input.connection, input, settings, {
      userName: input.identifier,
    })
  }

  /** Before a client secret is checked: the same, per client and address. */
  async beginClientAuth(input: { clientId: string } & AttemptOrigin): Promise<GuardedAttempt> {
    const settings = await this.bruteForce()
    return this.#begin('client', input.clientId, input.ip ?? '', '', input, settings, {
      clientId: input.clientId,
    })
  }

  /**
   * A client secret was checked (synchronously, its result not yet answered): decides the answer
   * under the same limits as `beginClientAuth`, in fewer database statements (issue 23). A wrong
   * secret takes the counted path of `beginClientAuth` + `failed()`. A right one only reads the
   * counters: refused (429) when the address is throttled or the client already has
   * `max_attempts` failures, and its failures cleared when it had any. Each answer is decided
   * after its own statement, so concurrent guesses are limited as when counting first: a guess is
   * answered as right only while fewer than `max_attempts` failures are stored before it.
   */
  async settleClientAuth(
    input: { clientId: string } & AttemptOrigin,
    secretMatched: boolean,
  ): Promise<void> {
    if (!secretMatched) {
      const attempt = await this.beginClientAuth(input)
      await attempt.failed()
      return
    }
    const settings = await this.bruteForce()
    const throttle = await this.suspiciousIp()
    const ip = input.ip ?? ''
    const pre = throttle.stage['pre-login']
    const throttled =
      throttle.enabled &&
      throttle.shields.includes('block') &&
      ip !== '' &&
      !allowlisted(throttle.allowlist, ip)
    const blocking =
      settings.enabled && settings.shields.includes('block') && !allowlisted(settings.allowlist, ip)
    if (!throttled && !blocking) return
    // Both counters in one statement: one round trip per exchange on PostgreSQL (issue 23).
    const reads: CounterRead[] = []
    if (throttled) reads.push({ kind: 'ip', identifier: '', ip, decayMs: pre.rate })
    if (blocking) reads.push({ kind: 'client', identifier: input.clientId, ip, decayMs: 0 })
    const counts = await this.#store.failuresOf(reads, this.#now())
    if (throttled && (counts[0] ?? 0) >= pre.max_attempts) {
      throw new OAuthError('too_many_attempts', SUSPICIOUS_IP_DESCRIPTION, { statusCode: 429 })
    }
    if (!blocking) return
    const failures = counts[throttled ? 1 : 0] ?? 0
    if (failures >= settings.max_attempts) {
      throw new OAuthError('too_many_attempts', BLOCKED_ACCOUNT_DESCRIPTION, { statusCode: 429 })
    }
    if (failures > 0) await this.#store.clear('client', input.clientId, ip)
  }

  async #begin(
    kind: CounterKind,
    identifier: string,
    counterIp: string,
    connection: string,
    origin: AttemptOrigin,
    settings: BruteForceSettings,
    who: { userName?: string; clientId?: string },
  ): Promise<GuardedAttempt> {
    const ip = origin.ip ?? ''
    const throttle = await this.suspiciousIp()
    const pre = throttle.stage['pre-login']
    const throttled =
      throttle.enabled && throttle.shields.includes('block') && !allowlisted(throttle.allowlist, ip)
    if (
      throttled &&
      ip !== '' &&
      (await this.#store.failures('ip', '', ip, this.#now(), pre.rate)) >= pre.max_attempts
    ) {
      throw new OAuthError('too_many_attempts', SUSPICIOUS_IP_DESCRIPTION, { statusCode: 429 })
    }
    const blocking =
      settings.enabled && settings.shields.includes('block') && !allowlisted(settings.allowlist, ip)
    let counted = false
    let reachesLimit = false
    if (blocking) {
      const failures = await this.#store.addFailure(
        { kind, identifier, ip: counterIp, connection },
        this.#now(),
        0,
      )
      if (failures > settings.max_attempts) {
        throw new OAuthError('too_many_attempts', BLOCKED_ACCOUNT_DESCRIPTION, { statusCode: 429 })
      }
      counted = true
      reachesLimit = failures === settings.max_attempts
    }
    const logFields = {
      ...(origin.ip !== undefined ? { ip: origin.ip } : undefined),
      ...(origin.userAgent !== undefined ? { userAgent: origin.userAgent } : undefined),
      ...(who.userName !== undefined ? { userName: who.userName } : undefined),
      ...(who.clientId !== undefined ? { clientId: who.clientId } : undefined),
    }
    return {
      failed: async () => {
        if (reachesLimit) {
          await this.#tenantLog?.record({
            type: 'limit_wc',
            ...logFields,
            description: `${identifier} blocked after ${settings.max_attempts} failed attempts`,
            details: { kind: kind === 'bf' ? 'login' : 'client_secret', mode: settings.mode },
          })
        }
        if (throttled && ip !== '') {
          const failures = await this.#store.addFailure(
            { kind: 'ip', identifier: '', ip, connection: '' },
            this.#now(),
            pre.rate,
          )
          if (failures === pre.max_attempts) {
            await this.#tenantLog?.record({
              type: 'limit_mu',
              ...logFields,
              description: `${ip} throttled after ${pre.max_attempts} failed attempts`,
              details: { stage: 'pre-login' },
            })
          }
        }
      },
      succeeded: async () => {
        if (counted) await this.#store.clear(kind, identifier, counterIp)
      },
    }
  }

  /** The blocks of these identifiers (e-mail, username), in Auth0's `blocked_for` shape. */
  async blocksOf(identifiers: readonly string[]): Promise<UserBlock[]> {
    const settings = await this.bruteForce()
    const rows = await this.#store.listAtLeast(
      'bf',
      identifiers.map(normalizeIdentifier),
      settings.max_attempts,
    )
    return rows.map((row) => ({
      identifier: row.identifier,
      ...(row.ip !== '' ? { ip: row.ip } : undefined),
      connection: row.connection,
    }))
  }

  /** Removes every block (and count) of these identifiers. */
  async unblock(identifiers: readonly string[]): Promise<void> {
    await this.#store.clearIdentifiers('bf', identifiers.map(normalizeIdentifier))
  }

  /** A successful password change lifts the user's blocks (as on Auth0). */
  async liftBlocksOf(user: UserRecord): Promise<void> {
    await this.unblock(identifiersOf(user))
  }
}

/** The identifiers a user logs in with. */
export function identifiersOf(user: UserRecord): string[] {
  return [user.email, user.username].filter((x): x is string => x !== undefined && x !== '')
}
