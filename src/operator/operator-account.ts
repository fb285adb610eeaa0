import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomToken } from '../crypto/keys.js'
import { hashPassword, verifyPassword } from '../directory/passwords.js'
import type { ClusterStore } from '../storage/store.js'

/** Where the operator account lives: its e-mail and the scrypt hash of its password (mode 0600). */
export const OPERATOR_FILE = 'operator.json'
/** E-mail of a generated operator account. */
export const GENERATED_OPERATOR_EMAIL = 'admin@openhooks.local'
/** Random bytes of a generated password (base64url: 32 characters). */
const GENERATED_PASSWORD_BYTES = 24

/** The dashboard's one operator account, as the server keeps it. */
export interface OperatorAccount {
  readonly email: string
  readonly passwordHash: string
}

export interface OperatorAccountResult {
  readonly account: OperatorAccount
  /** Set only when this start generated the account: the caller prints it once. */
  readonly generatedPassword?: string
  /** Where only its hash is kept: the file, or `the database` (PostgreSQL). */
  readonly file: string
}

interface SavedAccount {
  email: string
  password_hash: string
}

function readSaved(path: string): OperatorAccount | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<SavedAccount>
    if (typeof parsed.email === 'string' && typeof parsed.password_hash === 'string') {
      return { email: parsed.email, passwordHash: parsed.password_hash }
    }
    throw new Error(`${path} does not hold email and password_hash`)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

function save(path: string, account: OperatorAccount, create: boolean): void {
  const body: SavedAccount = { email: account.email, password_hash: account.passwordHash }
  writeFileSync(path, `${JSON.stringify(body, null, 2)}\n`, {
    mode: 0o600,
    flag: create ? 'wx' : 'w',
  })
}

/**
 * Makes sure the dashboard operator account exists. With `OPENHOOKS_ADMIN_EMAIL` and
 * `OPENHOOKS_ADMIN_PASSWORD` set, the saved hash follows them (re-hashed only when they changed);
 * otherwise the saved account is used, or one is generated: its password is returned once for
 * printing and only its hash is written to `<dataDir>/operator.json`.
 */
export async function ensureOperatorAccount(options: {
  configured: { email: string; password: string } | undefined
  dataDir: string
}): Promise<OperatorAccountResult> {
  const file = join(options.dataDir, OPERATOR_FILE)
  const saved = readSaved(file)
  const configured = options.configured
  if (configured !== undefined) {
    if (
      saved !== undefined &&
      saved.email === configured.email &&
      (await verifyPassword(configured.password, saved.passwordHash))
    ) {
      return { account: saved, file }
    }
    const account = {
      email: configured.email,
      passwordHash: await hashPassword(configured.password),
    }
    save(file, account, false)
    return { account, file }
  }
  if (saved !== undefined) return { account: saved, file }
  const password = randomToken(GENERATED_PASSWORD_BYTES)
  const account = { email: GENERATED_OPERATOR_EMAIL, passwordHash: await hashPassword(password) }
  save(file, account, true)
  return { account, generatedPassword: password, file }
}

/** What `OperatorAccountResult.file` says when the account is kept in the database. */
export const OPERATOR_IN_DATABASE = 'the database'

/**
 * `ensureOperatorAccount` for several nodes on one database (PostgreSQL): the account is kept,
 * hashed, in the database instead of a per-node file, and created or changed under the store's
 * first-start lock, so that nodes starting together make exactly one account and only one of
 * them prints a generated password. The rules are those of the file: configured credentials win
 * (re-hashed only when they changed); otherwise the stored account, or a generated one.
 */
export async function ensureSharedOperatorAccount(options: {
  configured: { email: string; password: string } | undefined
  store: Pick<ClusterStore, 'whileLocked' | 'getOperatorAccount' | 'putOperatorAccount'>
}): Promise<OperatorAccountResult> {
  const { store, configured } = options
  const file = OPERATOR_IN_DATABASE
  // Hashing takes a while: done before the lock, used only when needed.
  const password = configured?.password ?? randomToken(GENERATED_PASSWORD_BYTES)
  const email = configured?.email ?? GENERATED_OPERATOR_EMAIL
  const fresh = { email, passwordHash: await hashPassword(password) }
  return store.whileLocked('openhooks.operator-account', async () => {
    const saved = await store.getOperatorAccount()
    if (configured !== undefined) {
      if (
        saved !== undefined &&
        saved.email === configured.email &&
        (await verifyPassword(configured.password, saved.passwordHash))
      ) {
        return { account: saved, file }
      }
      await store.putOperatorAccount(fresh, false)
      return { account: fresh, file }
    }
    if (saved !== undefined) return { account: saved, file }
    await store.putOperatorAccount(fresh, true)
    return { account: fresh, generatedPassword: password, file }
  })
}
