import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const MASTER_KEY_BYTES = 32
const AES_GCM_IV_BYTES = 12
const AES_GCM_TAG_BYTES = 16
const SEALED_PREFIX = 'v1'
export const MASTER_KEY_FILE = 'master.key'

/** Purposes of keys derived from the master key; each gets its own HKDF `info`. */
type KeyPurpose = 'hook-secrets' | 'signing-keys' | 'client-secrets' | 'mfa-codes'

function derive(masterKey: Buffer, purpose: KeyPurpose): Buffer {
  return Buffer.from(
    hkdfSync('sha256', masterKey, Buffer.alloc(0), `openhooks ${purpose} v1`, MASTER_KEY_BYTES),
  )
}

/** The key in `<dataDir>/master.key`, or undefined when that file does not exist. */
export function readMasterKeyFile(dataDir: string): Buffer | undefined {
  const path = join(dataDir, MASTER_KEY_FILE)
  try {
    const text = readFileSync(path, 'utf8').trim()
    const key = Buffer.from(text, 'base64')
    if (key.length !== MASTER_KEY_BYTES) {
      throw new Error(`${path} does not hold ${MASTER_KEY_BYTES} base64-encoded bytes`)
    }
    return key
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/**
 * Returns the configured master key, or the one in `<dataDir>/master.key`, creating that file
 * (mode 0600) on first use. `generated` is true when this call created it.
 */
export function loadOrCreateMasterKey(
  configured: Buffer | undefined,
  dataDir: string,
): { key: Buffer; source: 'config' | 'file' | 'generated' } {
  if (configured !== undefined) return { key: configured, source: 'config' }
  const path = join(dataDir, MASTER_KEY_FILE)
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const saved = readMasterKeyFile(dataDir)
  if (saved !== undefined) return { key: saved, source: 'file' }
  const key = randomBytes(MASTER_KEY_BYTES)
  // `wx`: never overwrite a key another process wrote in the meantime.
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' })
  chmodSync(path, 0o600)
  return { key, source: 'generated' }
}

/**
 * AES-256-GCM sealing with a fresh IV per value. The associated data binds a value to where it
 * belongs (for hook secrets: hook id and secret name), so a sealed value copied to another hook
 * or name fails to open.
 */
export class SecretBox {
  readonly #key: Buffer

  constructor(key: Buffer) {
    if (key.length !== MASTER_KEY_BYTES) throw new TypeError('SecretBox needs a 32-byte key')
    this.#key = key
  }

  seal(plaintext: string, associatedData: string): string {
    const iv = randomBytes(AES_GCM_IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, {
      authTagLength: AES_GCM_TAG_BYTES,
    })
    cipher.setAAD(Buffer.from(associatedData, 'utf8'))
    const body = Buffer.concat([
      cipher.update(plaintext, 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ])
    return `${SEALED_PREFIX}.${iv.toString('base64url')}.${body.toString('base64url')}`
  }

  /** Throws when the value was altered, sealed with another key, or for other associated data. */
  open(sealed: string, associatedData: string): string {
    const [prefix, ivText, bodyText] = sealed.split('.')
    if (prefix !== SEALED_PREFIX || ivText === undefined || bodyText === undefined) {
      throw new Error('Unknown sealed value format')
    }
    const iv = Buffer.from(ivText, 'base64url')
    const body = Buffer.from(bodyText, 'base64url')
    const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, {
      authTagLength: AES_GCM_TAG_BYTES,
    })
    decipher.setAAD(Buffer.from(associatedData, 'utf8'))
    decipher.setAuthTag(body.subarray(body.length - AES_GCM_TAG_BYTES))
    return Buffer.concat([
      decipher.update(body.subarray(0, body.length - AES_GCM_TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8')
  }
}

/**
 * Client secrets are high-entropy random strings, so a keyed hash (HMAC-SHA-256 with a key
 * derived from the master key) protects them: a copy of the database alone does not allow
 * checking guesses offline. A slow password KDF would add no security for such secrets and would
 * cost every token request milliseconds.
 */
export class ClientSecretHasher {
  readonly #key: Buffer

  constructor(key: Buffer) {
    this.#key = key
  }

  hash(secret: string): string {
    return `hmac-sha256.${createHmac('sha256', this.#key).update(secret, 'utf8').digest('base64url')}`
  }

  verify(secret: string, stored: string): boolean {
    const expected = Buffer.from(this.hash(secret))
    const actual = Buffer.from(stored)
    return expected.length === actual.length && timingSafeEqual(expected, actual)
  }
}

/** The keys derived from one master key, each for one purpose. */
export interface Keyring {
  readonly hookSecrets: SecretBox
  readonly signingKeys: SecretBox
  readonly clientSecrets: ClientSecretHasher
  /**
   * MFA one-time codes, `oob_code` handles, `mfa_token`s and recovery codes. A six-digit code has
   * little entropy, so the key (not the hash) is what keeps a database copy from revealing it.
   */
  readonly mfaCodes: ClientSecretHasher
}

export function createKeyring(masterKey: Buffer): Keyring {
  return {
    hookSecrets: new SecretBox(derive(masterKey, 'hook-secrets')),
    signingKeys: new SecretBox(derive(masterKey, 'signing-keys')),
    clientSecrets: new ClientSecretHasher(derive(masterKey, 'client-secrets')),
    mfaCodes: new ClientSecretHasher(derive(masterKey, 'mfa-codes')),
  }
}

/** A random, URL-safe string of `bytes` bytes of entropy. */
export function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url')
}
