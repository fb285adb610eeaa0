/**
 * Issue 17, finding 10: IPv4-translated addresses (`::ffff:0:a.b.c.d`, the prefix `::ffff:0:0:0/96`
 * of RFC 2765) embed an IPv4 address in their last 32 bits, like the IPv4-mapped form
 * (`::ffff:a.b.c.d`, `::ffff:0:0/96`). The egress policy must classify them by that address, so that
 * `::ffff:0:7f00:1` is loopback and not public.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { checkDestination, classifyAddress, compileEgressPolicy } from '../../src/sandbox/egress.js'
import type { AddressClass } from '../../src/sandbox/egress.js'

describe('IPv4-translated addresses (::ffff:0:a.b.c.d)', () => {
  const cases: [string, AddressClass][] = [
    ['::ffff:0:7f00:1', 'loopback'],
    ['::ffff:0:127.0.0.1', 'loopback'],
    ['0:0:0:0:ffff:0:7f00:1', 'loopback'],
    ['::ffff:0:a01:203', 'private'],
    ['::ffff:0:10.1.2.3', 'private'],
    ['::ffff:0:c0a8:101', 'private'],
    ['::ffff:0:a9fe:a9fe', 'metadata'],
    ['::ffff:0:169.254.169.254', 'metadata'],
    ['::ffff:0:0:0', 'unspecified'],
    ['::ffff:0:e000:1', 'multicast'],
    ['::ffff:0:8.8.8.8', 'public'],
  ]
  for (const [address, expected] of cases) {
    it(`${address} is ${expected}`, () => {
      assert.equal(classifyAddress(address), expected)
    })
  }

  it('the public policy refuses a name that resolves to a translated loopback address', () => {
    const policy = compileEgressPolicy({ mode: 'public', allow: [] })
    assert.match(
      checkDestination(policy, 'rebind.example', 80, '::ffff:0:7f00:1') ?? '',
      /^rebind\.example:80 resolves to a loopback address \(::ffff:0:7f00:1\); add it to OPENHOOKS_EGRESS_ALLOW to allow it$/,
    )
  })
})
