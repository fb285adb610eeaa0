/**
 * Secret values are removed from a hook's console output in every form the isolate prints them:
 * as they are, JSON-escaped, and as `util.inspect` (Node's format, which console.log uses for
 * objects) writes them, including a long value split after each newline.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { format, inspect } from 'node:util'
import { redactLogs } from '../../src/hooks/redact.js'

const SECRETS = {
  PEM: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"quoted" and it\'s\n-----END PRIVATE KEY-----',
  TOKEN: "tab\there, it's",
  BOTH: 'single \' double " backtick ` line\r\nend',
}

function redact(message: string): string {
  const [entry] = redactLogs([{ level: 'log', message, timestamp: '' }], SECRETS)
  return entry?.message ?? ''
}

describe('redactLogs', () => {
  it('removes secrets printed by util.inspect, util.format %j and as they are', () => {
    const forms = [
      inspect(SECRETS),
      inspect({ nested: { deeper: SECRETS } }),
      format('%j', SECRETS),
      format('%s %s %s', SECRETS.PEM, SECRETS.TOKEN, SECRETS.BOTH),
      inspect([SECRETS.PEM, SECRETS.TOKEN, SECRETS.BOTH]),
    ]
    for (const text of forms) {
      const out = redact(text)
      for (const needle of ['MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', 'tab', 'backtick', 'quoted']) {
        assert.ok(!out.includes(needle), `${needle} left in:\n${out}\nfrom:\n${text}`)
      }
    }
    assert.equal(redact(inspect({ TOKEN: SECRETS.TOKEN })), '{ TOKEN: "[secret]" }')
  })

  it('removes a secret longer than inspect prints (10,000 characters), cut short', () => {
    // No repeated pattern: every 16-character piece of it is its own.
    const long = Array.from({ length: 1_500 }, (_, i) => `k${i.toString(36).padStart(7, '0')}`)
      .join('')
      .concat("it's\nend")
    assert.ok(long.length > 12_000)
    const [entry] = redactLogs(
      [{ level: 'log', message: inspect({ LONG: long }), timestamp: '' }],
      { LONG: long },
    )
    const out = entry?.message ?? ''
    assert.ok(out.includes('more characters'), 'inspect did cut it')
    assert.ok(!out.includes(long.slice(0, 32)), `secret left in: ${out.slice(0, 200)}`)
    assert.ok(!out.includes(long.slice(9_900, 9_932)), 'its end before the cut too')
  })
})

describe('redactLogs: encoded forms (security review, finding 9)', () => {
  const SECRET = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc?&/ é'
  const bytes = Buffer.from(SECRET, 'utf8')

  const encodings: Record<string, string> = {
    base64: bytes.toString('base64'),
    base64url: bytes.toString('base64url'),
    'base64 inside a longer value': Buffer.from(`user:${SECRET}`).toString('base64'),
    'base64 at the other alignment': Buffer.from(`id:${SECRET}`).toString('base64url'),
    'hex (lower case)': bytes.toString('hex'),
    'hex (upper case)': bytes.toString('hex').toUpperCase(),
    'percent-encoding': encodeURIComponent(SECRET),
    'percent-encoding (lower-case escapes)': encodeURIComponent(SECRET).replace(
      /%[0-9A-F]{2}/g,
      (escape) => escape.toLowerCase(),
    ),
    'form encoding': new URLSearchParams({ s: SECRET }).toString().slice(2),
    'upper case': SECRET.toUpperCase(),
    'lower case': SECRET.toLowerCase(),
  }

  for (const [name, encoded] of Object.entries(encodings)) {
    it(`removes the secret written as ${name}`, () => {
      const [entry] = redactLogs(
        [{ level: 'log', message: `leak: ${encoded} end`, timestamp: '' }],
        { KEY: SECRET },
      )
      const out = entry?.message ?? ''
      assert.ok(out.includes('[secret]'), `not redacted: ${out}`)
      // At most the two base64 groups the secret shares with its neighbours are left (with the
      // prefix's own characters): 2 × 4 plus the 4 of `user`/`id:` and padding.
      const left = out.replace('leak: ', '').replace(' end', '').split('[secret]').join('')
      assert.ok(left.length <= 12, `left over: ${out}`)
    })
  }
})
