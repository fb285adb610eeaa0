import { randomBytes } from 'node:crypto'

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const TIME_CHARS = 10
const RANDOM_CHARS = 16

let lastTimeMs = -1
let lastRandom: number[] = []

function encodeTime(ms: number): string {
  let out = ''
  let rest = ms
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET.charAt(rest % 32) + out
    rest = Math.floor(rest / 32)
  }
  return out
}

function freshRandom(): number[] {
  const bytes = randomBytes(RANDOM_CHARS)
  return Array.from(bytes, (b) => b % 32)
}

/** Adds one to the base-32 random part; throws when it would overflow (2^80 ids in one ms). */
function increment(digits: number[]): number[] {
  const next = [...digits]
  for (let i = next.length - 1; i >= 0; i--) {
    const d = next[i] ?? 0
    if (d < 31) {
      next[i] = d + 1
      return next
    }
    next[i] = 0
  }
  throw new RangeError('ULID random part overflowed within one millisecond')
}

/**
 * A monotonic ULID (26 characters, Crockford base 32): ids made in the same millisecond still sort
 * in creation order, which is the list order of hooks (compat §10 Q8).
 */
export function ulid(nowMs: number = Date.now()): string {
  if (nowMs <= lastTimeMs) {
    lastRandom = increment(lastRandom)
  } else {
    lastTimeMs = nowMs
    lastRandom = freshRandom()
  }
  return encodeTime(lastTimeMs) + lastRandom.map((d) => ALPHABET.charAt(d)).join('')
}

export const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/
