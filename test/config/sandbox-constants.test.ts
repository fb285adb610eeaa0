/**
 * src/config may not import src/sandbox (eslint.config.js layering), so the schema repeats some
 * sandbox constants as literals: this test keeps the two equal.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CONFIG_KEYS } from '../../src/config/schema.js'
import type { ConfigKey } from '../../src/config/schema.js'
import {
  DEFAULT_EGRESS_MAX_REDIRECTS,
  DEFAULT_EGRESS_MAX_REQUESTS_PER_CALL,
  DEFAULT_EGRESS_MAX_RESPONSE_BYTES,
  DEFAULT_EGRESS_REQUEST_TIMEOUT_MS,
} from '../../src/sandbox/egress.js'
import {
  DEFAULT_HOOK_TIMEOUT_MS,
  DEFAULT_IDLE_POLL_US,
  DEFAULT_MEMORY_LIMIT_MB,
  MAX_IDLE_POLL_US,
  MIN_MEMORY_LIMIT_MB,
} from '../../src/sandbox/runner.js'

function key(env: string): ConfigKey {
  const found = (CONFIG_KEYS as readonly ConfigKey[]).find((k) => k.env === env)
  assert.ok(found, `${env} is in the schema`)
  return found
}

function range(env: string): { min: number; max: number } {
  const type = key(env).type
  assert.equal(type.kind, 'integer', `${env} is an integer`)
  return { min: type.min, max: type.max }
}

describe('config schema and sandbox constants', () => {
  it('idle poll: default and maximum', () => {
    assert.equal(key('OPENHOOKS_SANDBOX_IDLE_POLL_US').default, DEFAULT_IDLE_POLL_US)
    assert.equal(range('OPENHOOKS_SANDBOX_IDLE_POLL_US').max, MAX_IDLE_POLL_US)
  })

  it('hook limits: timeout and memory defaults, smallest memory limit', () => {
    assert.equal(key('OPENHOOKS_HOOK_TIMEOUT_MS').default, DEFAULT_HOOK_TIMEOUT_MS)
    assert.equal(key('OPENHOOKS_HOOK_MEMORY_MB').default, DEFAULT_MEMORY_LIMIT_MB)
    assert.equal(range('OPENHOOKS_HOOK_MEMORY_MB').min, MIN_MEMORY_LIMIT_MB)
  })

  it('egress defaults', () => {
    assert.deepEqual(
      [
        'OPENHOOKS_EGRESS_TIMEOUT_MS',
        'OPENHOOKS_EGRESS_MAX_RESPONSE_BYTES',
        'OPENHOOKS_EGRESS_MAX_REQUESTS_PER_CALL',
        'OPENHOOKS_EGRESS_MAX_REDIRECTS',
      ].map((env) => key(env).default),
      [
        DEFAULT_EGRESS_REQUEST_TIMEOUT_MS,
        DEFAULT_EGRESS_MAX_RESPONSE_BYTES,
        DEFAULT_EGRESS_MAX_REQUESTS_PER_CALL,
        DEFAULT_EGRESS_MAX_REDIRECTS,
      ],
    )
  })
})
