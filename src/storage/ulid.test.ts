import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ULID_PATTERN, ulid } from './ulid.js'

test('ULIDs are 26 Crockford characters, sorted by time, monotonic within a millisecond', () => {
  const now = 1_795_700_000_000
  const ids = [ulid(now), ulid(now), ulid(now), ulid(now + 1), ulid(now - 5)]
  for (const id of ids) assert.match(id, ULID_PATTERN)
  assert.deepStrictEqual([...ids].sort(), ids)
  assert.equal(new Set(ids).size, ids.length)
  // The time part of 2026-11-26 encodes as Auth0's recorded ids do (they start with 01…).
  assert.equal(ulid(now).slice(0, 2), '01')
})
