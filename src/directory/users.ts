import { randomBytes } from 'node:crypto'
import { ApiError } from '../errors/api-error.js'
import type {
  ConnectionRecord,
  PageRequest,
  Store,
  UserPatch,
  UserRecord,
} from '../storage/store.js'
import {
  PASSWORD_POLICIES,
  checkPassword,
  hashPassword,
  type PasswordCheck,
  type PasswordPolicy,
} from './passwords.js'

/** The database connection every tenant starts with, as on Auth0. */
export const DEFAULT_CONNECTION_NAME = 'Username-Password-Authentication'
/** Auth0's policy for new database connections. */
export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = 'good'
/** Prefix of database users' ids on the wire (`auth0|…`). */
export const USER_ID_PREFIX = 'auth0|'

const CONNECTION_ID_CHARS = 16
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

function newConnectionId(): string {
  return `con_${Array.from(randomBytes(CONNECTION_ID_CHARS), (b) => ALPHANUMERIC.charAt(b % 62)).join('')}`
}

/** The connection's password policy and minimum length, from its options (either spelling). */
export function passwordPolicyOf(connection: ConnectionRecord): {
  policy: PasswordPolicy
  minLength?: number
} {
  const options = connection.options as {
    passwordPolicy?: unknown
    password_policy?: unknown
    password_complexity_options?: { min_length?: unknown }
  }
  const raw = options.passwordPolicy ?? options.password_policy
  const policy = (PASSWORD_POLICIES as readonly unknown[]).includes(raw)
    ? (raw as PasswordPolicy)
    : DEFAULT_PASSWORD_POLICY
  const minLength = options.password_complexity_options?.min_length
  return typeof minLength === 'number' ? { policy, minLength } : { policy }
}

export function toWireUserId(id: string): string {
  return `${USER_ID_PREFIX}${id}`
}

/** The store id of a wire id; `undefined` for ids of other providers. */
export function fromWireUserId(userId: string): string | undefined {
  return userId.startsWith(USER_ID_PREFIX) ? userId.slice(USER_ID_PREFIX.length) : undefined
}

export interface NewUserInput {
  readonly connection: string
  readonly email?: string
  readonly username?: string
  readonly password: string
  readonly phoneNumber?: string
  readonly emailVerified?: boolean
  readonly userMetadata?: Readonly<Record<string, unknown>>
  readonly appMetadata?: Readonly<Record<string, unknown>>
}

/**
 * Merges metadata as Auth0's users endpoint does: top-level keys are replaced, and a key set to
 * `null` is removed.
 */
export function mergeMetadata(
  current: Readonly<Record<string, unknown>>,
  change: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...current }
  for (const [key, value] of Object.entries(change)) {
    if (value === null) Reflect.deleteProperty(out, key)
    else out[key] = value
  }
  return out
}

/** Database connections and their users. */
export class UserService {
  readonly #store: Store

  constructor(store: Store) {
    this.#store = store
  }

  /** Creates the default database connection on first start. */
  ensureDefaultConnection(): Promise<ConnectionRecord> {
    return this.#store.ensureConnection({
      id: newConnectionId(),
      name: DEFAULT_CONNECTION_NAME,
      strategy: 'auth0',
      options: { passwordPolicy: DEFAULT_PASSWORD_POLICY, brute_force_protection: true },
    })
  }

  listConnections(): Promise<ConnectionRecord[]> {
    return this.#store.listConnections()
  }

  async getConnection(id: string): Promise<ConnectionRecord> {
    const connection = await this.#store.getConnection(id)
    if (connection === undefined) throw new ApiError('ConnectionDoesNotExist')
    return connection
  }

  async connectionByName(name: string): Promise<ConnectionRecord | undefined> {
    return this.#store.getConnectionByName(name)
  }

  /** Replaces the options, as Auth0's PATCH does; `password_policy` is stored as `passwordPolicy`. */
  async updateConnectionOptions(
    id: string,
    options: Readonly<Record<string, unknown>>,
  ): Promise<ConnectionRecord> {
    const { password_policy: alias, ...rest } = options as { password_policy?: unknown }
    const normalised =
      alias !== undefined && !('passwordPolicy' in rest) ? { ...rest, passwordPolicy: alias } : rest
    const updated = await this.#store.updateConnectionOptions(id, normalised)
    if (updated === undefined) throw new ApiError('ConnectionDoesNotExist')
    return updated
  }

  checkPassword(connection: ConnectionRecord, password: string): PasswordCheck {
    const { policy, minLength } = passwordPolicyOf(connection)
    return checkPassword(password, policy, minLength)
  }

  async create(input: NewUserInput): Promise<UserRecord> {
    const connection = await this.#store.getConnectionByName(input.connection)
    if (connection === undefined) throw new ApiError('ConnectionDoesNotExist')
    if (!this.checkPassword(connection, input.password).verified)
      throw new ApiError('PasswordTooWeak')
    const result = await this.#store.createUser({
      connectionId: connection.id,
      email: input.email,
      username: input.username,
      phoneNumber: input.phoneNumber,
      emailVerified: input.emailVerified ?? false,
      phoneVerified: false,
      passwordHash: await hashPassword(input.password),
      userMetadata: input.userMetadata ?? {},
      appMetadata: input.appMetadata ?? {},
    })
    if (!result.ok) throw new ApiError('UserAlreadyExists')
    return result.user
  }

  list(page?: PageRequest): Promise<{ items: UserRecord[]; total: number }> {
    return this.#store.listUsers(page)
  }

  async get(wireId: string): Promise<UserRecord> {
    const id = fromWireUserId(wireId)
    const user = id === undefined ? undefined : await this.#store.getUser(id)
    if (user === undefined) throw new ApiError('UserDoesNotExist')
    return user
  }

  /**
   * Applies a profile change. A new password is checked against the connection's policy and
   * hashed; the caller runs the post-change-password flow after this resolves.
   */
  async update(
    wireId: string,
    change: Omit<UserPatch, 'passwordHash' | 'lastPasswordReset'> & { password?: string },
    now: Date,
  ): Promise<UserRecord> {
    const user = await this.get(wireId)
    const { password, userMetadata, appMetadata, ...rest } = change
    let passwordFields: Pick<UserPatch, 'passwordHash' | 'lastPasswordReset'> = {}
    if (password !== undefined) {
      const connection = await this.getConnection(user.connectionId)
      if (!this.checkPassword(connection, password).verified) throw new ApiError('PasswordTooWeak')
      passwordFields = {
        passwordHash: await hashPassword(password),
        lastPasswordReset: now.toISOString(),
      }
    }
    const result = await this.#store.updateUser(user.id, {
      ...rest,
      ...passwordFields,
      ...(userMetadata !== undefined
        ? { userMetadata: mergeMetadata(user.userMetadata, userMetadata) }
        : undefined),
      ...(appMetadata !== undefined
        ? { appMetadata: mergeMetadata(user.appMetadata, appMetadata) }
        : undefined),
    })
    if (!result.ok) {
      throw new ApiError(result.reason === 'exists' ? 'UserAlreadyExists' : 'UserDoesNotExist')
    }
    return result.user
  }

  async delete(wireId: string): Promise<void> {
    const user = await this.get(wireId)
    await this.#store.deleteUser(user.id)
  }
}
