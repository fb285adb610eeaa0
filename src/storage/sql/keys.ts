import type { SigningKeyRecord, KeyStore } from '../store.js'
import { lockName } from './cluster.js'
import type { SqlContext } from './context.js'

/** Token signing keys (private JWKs sealed). */
export function sqlKeyStore({ db, timestamp }: SqlContext): KeyStore {
  return {
    async listSigningKeys(): Promise<SigningKeyRecord[]> {
      const rows = await db
        .selectFrom('signing_keys')
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('kid')
        .execute()
      return rows.map((r) => ({
        kid: r.kid,
        alg: r.alg,
        publicJwk: r.public_jwk,
        privateJwk: r.private_jwk,
        createdAt: r.created_at,
      }))
    },

    async insertSigningKeyIfNone(
      key: Omit<SigningKeyRecord, 'createdAt'>,
    ): Promise<SigningKeyRecord> {
      return db.transaction().execute(async (trx) => {
        // Nodes starting together on an empty database: the first key wins on every node.
        await lockName(trx, 'signing-keys')
        const existing = await trx
          .selectFrom('signing_keys')
          .selectAll()
          .orderBy('created_at', 'desc')
          .executeTakeFirst()
        if (existing !== undefined) {
          return {
            kid: existing.kid,
            alg: existing.alg,
            publicJwk: existing.public_jwk,
            privateJwk: existing.private_jwk,
            createdAt: existing.created_at,
          }
        }
        const createdAt = timestamp()
        await trx
          .insertInto('signing_keys')
          .values({
            kid: key.kid,
            alg: key.alg,
            public_jwk: key.publicJwk,
            private_jwk: key.privateJwk,
            created_at: createdAt,
          })
          .execute()
        return { ...key, createdAt }
      })
    },
  }
}
