import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose'
import type { SecretBox } from '../crypto/keys.js'
import type { KeyStore } from '../storage/store.js'

export const TOKEN_SIGNING_ALG = 'RS256'
const RSA_MODULUS_BITS = 2048
const SEALED_KEY_CONTEXT = 'signing-key'

export interface SigningKeys {
  /** The key new tokens are signed with. */
  readonly current: { readonly kid: string; readonly privateKey: CryptoKey }
  /** Every key tokens may still carry, for `/.well-known/jwks.json` and verification. */
  readonly publicJwks: readonly JWK[]
}

/**
 * Loads the token signing keys, generating and persisting an RSA key on first start. The private
 * half is stored sealed with a key derived from the master key.
 */
export async function loadOrCreateSigningKeys(
  store: KeyStore,
  box: SecretBox,
): Promise<SigningKeys> {
  let records = await store.listSigningKeys()
  if (records.length === 0) {
    const { privateKey, publicKey } = await generateKeyPair(TOKEN_SIGNING_ALG, {
      modulusLength: RSA_MODULUS_BITS,
      extractable: true,
    })
    const publicJwk = await exportJWK(publicKey)
    const kid = await calculateJwkThumbprint(publicJwk)
    const privateJwk = await exportJWK(privateKey)
    // Another process may have created a key meanwhile: the store keeps the first one.
    await store.insertSigningKeyIfNone({
      kid,
      alg: TOKEN_SIGNING_ALG,
      publicJwk: JSON.stringify({ ...publicJwk, kid, alg: TOKEN_SIGNING_ALG, use: 'sig' }),
      privateJwk: box.seal(JSON.stringify(privateJwk), `${SEALED_KEY_CONTEXT}:${kid}`),
    })
    records = await store.listSigningKeys()
  }
  const newest = records[0]
  if (newest === undefined) throw new Error('No signing key could be stored')
  const privateJwk = JSON.parse(
    box.open(newest.privateJwk, `${SEALED_KEY_CONTEXT}:${newest.kid}`),
  ) as JWK
  const privateKey = (await importJWK(privateJwk, newest.alg)) as CryptoKey
  return {
    current: { kid: newest.kid, privateKey },
    publicJwks: records.map((r) => JSON.parse(r.publicJwk) as JWK),
  }
}
