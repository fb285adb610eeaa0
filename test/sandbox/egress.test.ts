/**
 * The egress policy's decisions (src/sandbox/egress.ts, issue 9), without connecting anywhere: the
 * address classifier, allow-list entries, and the connect-time lookup with a fake resolver.
 */
import assert from 'node:assert/strict'
import type { LookupAddress } from 'node:dns'
import { describe, it } from 'node:test'
import {
  checkDestination,
  checkRequestedName,
  classifyAddress,
  compileEgressPolicy,
  createCheckedLookup,
  parseAllowEntry,
} from '../../src/sandbox/egress.js'
import type { AddressClass, BaseLookup, CompiledEgressPolicy } from '../../src/sandbox/egress.js'

describe('classifyAddress', () => {
  const cases: [string, AddressClass][] = [
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['172.15.0.1', 'public'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['169.254.1.1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    // IPv4-mapped, IPv4-compatible, NAT64 and 6to4 forms take the class of the IPv4 address
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['2002:7f00:1::1', 'loopback'],
    ['::ffff:8.8.8.8', 'public'],
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['2606:4700:4700::1111', 'public'],
    // not an IP literal: never waved through
    ['localhost', 'reserved'],
    ['example.com', 'reserved'],
  ]
  for (const [address, expected] of cases) {
    it(`${address} is ${expected}`, () => {
      assert.equal(classifyAddress(address), expected)
    })
  }
})

describe('parseAllowEntry', () => {
  it('accepts names, IPv4 and bracketed IPv6 with a port', () => {
    assert.deepEqual(parseAllowEntry('API.Example.com:443'), { host: 'api.example.com', port: 443 })
    assert.deepEqual(parseAllowEntry('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 })
    assert.deepEqual(parseAllowEntry('[0:0::1]:80'), { host: '::1', port: 80 })
  })
  it('refuses entries without a port or with a bad one', () => {
    assert.equal(typeof parseAllowEntry('example.com'), 'string')
    assert.equal(typeof parseAllowEntry('example.com:0'), 'string')
    assert.equal(typeof parseAllowEntry('example.com:70000'), 'string')
    assert.equal(typeof parseAllowEntry('::1:80'), 'string')
    assert.throws(
      () => compileEgressPolicy({ mode: 'public', allow: ['nope'] }),
      /egress allow list: "nope" is not host:port/,
    )
  })

  it('takes the limits from the policy, with their defaults, and refuses bad ones', () => {
    const defaults = compileEgressPolicy({ mode: 'none', allow: [] })
    assert.deepStrictEqual(
      [
        defaults.requestTimeoutMs,
        defaults.maxResponseBytes,
        defaults.maxRequestsPerCall,
        defaults.maxRedirects,
      ],
      [10_000, 5 * 1024 * 1024, 20, 10],
    )
    assert.equal(compileEgressPolicy({ mode: 'none', allow: [], maxRedirects: 0 }).maxRedirects, 0)
    assert.throws(
      () => compileEgressPolicy({ mode: 'none', allow: [], maxRedirects: -1 }),
      /^TypeError: egress maxRedirects must be a non-negative integer$/,
    )
    assert.throws(
      () => compileEgressPolicy({ mode: 'none', allow: [], requestTimeoutMs: 0 }),
      /^TypeError: egress requestTimeoutMs must be a positive integer$/,
    )
  })
})

describe('checkDestination', () => {
  const publicPolicy = compileEgressPolicy({
    mode: 'public',
    allow: ['127.0.0.1:9000', 'db.internal:5432'],
  })
  const allowlist = compileEgressPolicy({ mode: 'allowlist', allow: ['api.example.com:443'] })
  const none = compileEgressPolicy({ mode: 'none', allow: ['api.example.com:443'] })

  it('public: public addresses pass, others only when listed', () => {
    assert.equal(checkDestination(publicPolicy, 'example.com', 443, '93.184.216.34'), undefined)
    assert.equal(checkDestination(publicPolicy, '127.0.0.1', 9000, '127.0.0.1'), undefined)
    assert.equal(checkDestination(publicPolicy, 'localhost', 9000, '127.0.0.1'), undefined)
    assert.equal(checkDestination(publicPolicy, 'db.internal', 5432, '10.0.0.7'), undefined)
    assert.equal(
      checkDestination(publicPolicy, '127.0.0.1', 9001, '127.0.0.1'),
      '127.0.0.1:9001 resolves to a loopback address (127.0.0.1); add it to OPENHOOKS_EGRESS_ALLOW to allow it',
    )
    assert.equal(
      checkDestination(publicPolicy, 'metadata.google.internal', 80, '169.254.169.254'),
      'metadata.google.internal:80 resolves to a metadata address (169.254.169.254); add it to OPENHOOKS_EGRESS_ALLOW to allow it',
    )
    assert.match(
      checkDestination(publicPolicy, 'x', 80, '::ffff:127.0.0.1') ?? '',
      /loopback address \(::ffff:7f00:1\)/,
    )
  })
  it('allowlist: only listed destinations', () => {
    assert.equal(checkDestination(allowlist, 'api.example.com', 443, '93.184.216.34'), undefined)
    assert.equal(
      checkDestination(allowlist, 'example.com', 443, '93.184.216.34'),
      'example.com:443 (93.184.216.34) is not in OPENHOOKS_EGRESS_ALLOW (OPENHOOKS_EGRESS=allowlist)',
    )
    assert.notEqual(checkDestination(allowlist, 'api.example.com', 80, '93.184.216.34'), undefined)
  })
  it('none: nothing', () => {
    assert.equal(
      checkDestination(none, 'api.example.com', 443, '93.184.216.34'),
      'outbound requests are disabled (OPENHOOKS_EGRESS=none); refused api.example.com:443',
    )
  })
})

describe('createCheckedLookup', () => {
  const policy = compileEgressPolicy({ mode: 'public', allow: [] })
  function fakeResolver(table: Record<string, LookupAddress[]>): BaseLookup {
    return (hostname, _options, callback) => {
      callback(null, table[hostname] ?? [])
    }
  }
  function lookupOf(host: string, table: Record<string, LookupAddress[]>, all: boolean) {
    const lookup = createCheckedLookup(policy, host, 443, fakeResolver(table))
    return new Promise<{ error: Error | null; address: unknown }>((resolve) => {
      lookup(host, all ? { all: true } : {}, (error, address) => {
        resolve({ error, address })
      })
    })
  }

  it('refuses a name that resolves to loopback, at connect time', async () => {
    const { error } = await lookupOf(
      'rebind.test',
      { 'rebind.test': [{ address: '127.0.0.1', family: 4 }] },
      false,
    )
    assert.ok(error !== null)
    assert.equal(error.name, 'EgressRefusedError')
    assert.equal(
      error.message,
      'rebind.test:443 resolves to a loopback address (127.0.0.1); add it to OPENHOOKS_EGRESS_ALLOW to allow it',
    )
  })
  it('keeps only the allowed addresses of a mixed answer', async () => {
    const table = {
      'mixed.test': [
        { address: '10.0.0.1', family: 4 },
        { address: '93.184.216.34', family: 4 },
        { address: '::1', family: 6 },
      ],
    }
    assert.deepEqual(await lookupOf('mixed.test', table, true), {
      error: null,
      address: [{ address: '93.184.216.34', family: 4 }],
    })
    const one = await lookupOf('mixed.test', table, false)
    assert.equal(one.address, '93.184.216.34')
  })
})

describe('names the policy cannot allow are refused before any DNS lookup (issue 18, item 9)', () => {
  /** A resolver that records every name it is asked for and resolves none. */
  function recordingResolver(asked: string[]): BaseLookup {
    return (hostname, _options, callback) => {
      asked.push(hostname)
      callback(
        Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }),
        [],
      )
    }
  }
  function lookupWith(policy: CompiledEgressPolicy, host: string, asked: string[]) {
    const lookup = createCheckedLookup(policy, host, 443, recordingResolver(asked))
    return new Promise<NodeJS.ErrnoException | null>((resolve) => {
      lookup(host, {}, (error) => {
        resolve(error)
      })
    })
  }

  it('allowlist: an unlisted name is refused without asking the resolver', async () => {
    const asked: string[] = []
    const policy = compileEgressPolicy({ mode: 'allowlist', allow: ['api.example.com:443'] })
    const error = await lookupWith(policy, 'crm.example.net', asked)
    assert.deepEqual(asked, [])
    assert.equal(error?.name, 'EgressRefusedError')
    assert.equal(
      error.message,
      'crm.example.net:443 is not in OPENHOOKS_EGRESS_ALLOW (OPENHOOKS_EGRESS=allowlist)',
    )
    assert.equal(checkRequestedName(policy, 'API.example.com.', 443), undefined)
    assert.equal(
      checkRequestedName(policy, 'api.example.com', 8443),
      'api.example.com:8443 is not in OPENHOOKS_EGRESS_ALLOW (OPENHOOKS_EGRESS=allowlist)',
    )
  })

  it('none: nothing is looked up', async () => {
    const asked: string[] = []
    const policy = compileEgressPolicy({ mode: 'none', allow: [] })
    const error = await lookupWith(policy, 'api.example.com', asked)
    assert.deepEqual(asked, [])
    assert.equal(
      error?.message,
      'outbound requests are disabled (OPENHOOKS_EGRESS=none); refused api.example.com:443',
    )
  })

  it('allowlist with an address entry for the port: the name is resolved, and one that does not resolve gets the same refusal', async () => {
    const asked: string[] = []
    const policy = compileEgressPolicy({ mode: 'allowlist', allow: ['10.0.0.5:443'] })
    const error = await lookupWith(policy, 'internal.example', asked)
    assert.deepEqual(asked, ['internal.example'])
    assert.equal(error?.name, 'EgressRefusedError')
    assert.equal(
      error.message,
      'internal.example:443 is not in OPENHOOKS_EGRESS_ALLOW (OPENHOOKS_EGRESS=allowlist)',
    )
  })

  it('allowlist: a listed name that does not resolve keeps its DNS error', async () => {
    const asked: string[] = []
    const policy = compileEgressPolicy({ mode: 'allowlist', allow: ['api.example.com:443'] })
    const error = await lookupWith(policy, 'api.example.com', asked)
    assert.deepEqual(asked, ['api.example.com'])
    assert.equal(error?.code, 'ENOTFOUND')
  })
})
