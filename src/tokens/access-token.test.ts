import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from 'jose'
import { signAccessToken } from './access-token.js'
import { TOKEN_SIGNING_ALG, type SigningKeys } from './signing-keys.js'

async function keys(): Promise<SigningKeys> {
  const { privateKey } = await generateKeyPair(TOKEN_SIGNING_ALG, { extractable: false })
  return { current: { kid: 'k1', privateKey }, publicJwks: [] }
}

/** The token's payload as its JSON text: the order of the claims included. */
function payloadText(token: string): string {
  return Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')
}

describe('signAccessToken', () => {
  it('puts the extra claims first, in their order, then scope, gty and azp', async () => {
    const token = await signAccessToken(await keys(), {
      issuer: 'https://issuer.test/',
      clientId: 'client-1',
      audience: 'https://api.test/',
      scopes: ['read:a', 'write:b'],
      lifetimeS: 60,
      nowS: 1_000,
      extraClaims: { 'https://z.test/b': { n: 1 }, 'https://a.test/a': 'x', gty: 'ignored' },
    })
    assert.equal(
      payloadText(token),
      JSON.stringify({
        'https://z.test/b': { n: 1 },
        'https://a.test/a': 'x',
        gty: 'client-credentials',
        scope: 'read:a write:b',
        azp: 'client-1',
        iss: 'https://issuer.test/',
        sub: 'client-1@clients',
        aud: 'https://api.test/',
        iat: 1_000,
        exp: 1_060,
      }),
    )
  })

  it('keeps a claim named __proto__ as a claim, as a spread of the claims did', async () => {
    const extraClaims = JSON.parse(
      '{"__proto__": {"polluted": true}, "https://a.test/c": 1}',
    ) as Record<string, unknown>
    const token = await signAccessToken(await keys(), {
      issuer: 'https://issuer.test/',
      clientId: 'client-1',
      audience: 'https://api.test/',
      scopes: [],
      lifetimeS: 60,
      nowS: 1_000,
      extraClaims,
    })
    const payload = JSON.parse(payloadText(token)) as Record<string, unknown>
    assert.deepEqual(Object.keys(payload).slice(0, 3), ['__proto__', 'https://a.test/c', 'gty'])
    assert.equal(Object.hasOwn(payload, 'scope'), false)
  })
})
