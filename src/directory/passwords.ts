import {
  randomBytes,
  scrypt as scryptCallback,
  timingSafeEqual,
  type ScryptOptions,
} from 'node:crypto'

/**
 * Password hashing with scrypt (memory-hard, in node:crypto). Parameters are part of each stored
 * hash, so they can be raised later without invalidating existing passwords.
 */
export const SCRYPT_COST = 2 ** 15
export const SCRYPT_BLOCK_SIZE = 8
export const SCRYPT_PARALLELISM = 1
/** Memory scrypt may use: 128 × N × r bytes, with headroom. */
export const SCRYPT_MAX_MEMORY_BYTES = 64 * 1024 * 1024
const SCRYPT_KEY_BYTES = 32
const SCRYPT_SALT_BYTES = 16
/** Longest password accepted, in characters: bounds the hashing work an attacker can ask for. */
export const MAX_PASSWORD_CHARS = 128

function scrypt(
  password: string,
  salt: Buffer,
  keyBytes: number,
  options: ScryptOptions,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password.normalize('NFKC'), salt, keyBytes, options, (error, key) => {
      if (error !== null) reject(error)
      else resolve(key)
    })
  })
}

/** `scrypt$<N>$<r>$<p>$<salt>$<key>`, base64url parts. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SCRYPT_SALT_BYTES)
  const key = await scrypt(password, salt, SCRYPT_KEY_BYTES, {
    N: SCRYPT_COST,
    r: SCRYPT_BLOCK_SIZE,
    p: SCRYPT_PARALLELISM,
    maxmem: SCRYPT_MAX_MEMORY_BYTES,
  })
  return [
    'scrypt',
    SCRYPT_COST,
    SCRYPT_BLOCK_SIZE,
    SCRYPT_PARALLELISM,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$')
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, saltText, keyText] = stored.split('$')
  if (scheme !== 'scrypt' || saltText === undefined || keyText === undefined) return false
  const expected = Buffer.from(keyText, 'base64url')
  const actual = await scrypt(password, Buffer.from(saltText, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT_MAX_MEMORY_BYTES,
  })
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

/** Auth0's password policies for database connections, weakest first. */
export const PASSWORD_POLICIES = ['none', 'low', 'fair', 'good', 'excellent'] as const
export type PasswordPolicy = (typeof PASSWORD_POLICIES)[number]

/** One rule of a policy, in the shape Auth0's `PasswordStrengthError` reports it. */
export interface PasswordRule {
  readonly message: string
  readonly format?: readonly number[]
  readonly code: string
  readonly verified: boolean
  readonly items?: readonly PasswordRule[]
}

export interface PasswordCheck {
  readonly verified: boolean
  readonly rules: readonly PasswordRule[]
  /** The rules as the bullet list Auth0 puts in `policy`. */
  readonly policyText: string
}

const CHARACTER_CLASSES = [
  { message: 'lower case letters (a-z)', code: 'lowerCase', test: /[a-z]/ },
  { message: 'upper case letters (A-Z)', code: 'upperCase', test: /[A-Z]/ },
  { message: 'numbers (i.e. 0-9)', code: 'numbers', test: /[0-9]/ },
  {
    message: 'special characters (e.g. !@#$%^&*)',
    code: 'specialCharacters',
    test: /[^A-Za-z0-9]/,
  },
] as const

const DEFAULT_MIN_LENGTH: Record<PasswordPolicy, number> = {
  none: 1,
  low: 6,
  fair: 8,
  good: 8,
  excellent: 10,
}

/**
 * Checks a password against a policy, as Auth0's database connections do: a minimum length, then
 * for `fair` all of lower, upper and digits, for `good` and `excellent` three of the four
 * character classes, and for `excellent` no character more than twice in a row.
 */
export function checkPassword(
  password: string,
  policy: PasswordPolicy,
  minLength: number = DEFAULT_MIN_LENGTH[policy],
): PasswordCheck {
  const rules: PasswordRule[] = [
    {
      message: 'At least %d characters in length',
      format: [minLength],
      code: 'lengthAtLeast',
      verified: Array.from(password).length >= minLength, // code points, as Auth0 counts
    },
  ]
  const classes = CHARACTER_CLASSES.map((c) => ({
    message: c.message,
    code: c.code,
    verified: c.test.test(password),
  }))
  if (policy === 'fair') {
    const needed = classes.slice(0, 3)
    rules.push({
      message: 'Contain at least %d of the following %d types of characters:',
      format: [3, 3],
      code: 'containsAtLeast',
      verified: needed.every((c) => c.verified),
      items: needed,
    })
  } else if (policy === 'good' || policy === 'excellent') {
    rules.push({
      message: 'Contain at least %d of the following %d types of characters:',
      format: [3, 4],
      code: 'containsAtLeast',
      verified: classes.filter((c) => c.verified).length >= 3,
      items: classes,
    })
  }
  if (policy === 'excellent') {
    rules.push({
      message: 'No more than %d identical characters in a row (e.g., "%s" not allowed)',
      format: [2],
      code: 'identicalChars',
      verified: !/(.)\1\1/.test(password),
    })
  }
  const render = (rule: PasswordRule): string => {
    let i = 0
    return rule.message.replace(/%[ds]/g, (m) =>
      m === '%s' ? 'aaa' : String(rule.format?.[i++] ?? ''),
    )
  }
  const policyText = rules
    .flatMap((rule) => [
      `* ${render(rule)}`,
      ...(rule.items ?? []).map((item) => `  * ${item.message}`),
    ])
    .join('\n')
  return { verified: rules.every((r) => r.verified), rules, policyText }
}
