import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError, loadConfig } from '../config/load-config.js'
import { readServerRecord } from '../config/server-record.js'
import { createKeyring, readMasterKeyFile, MASTER_KEY_FILE } from '../crypto/keys.js'
import { DATABASE_FILE, openSqliteStore } from '../storage/sql/sqlite.js'
import { signAccessToken } from '../tokens/access-token.js'
import { ADMIN_CLIENT_FILE, readSavedAdminClient } from '../tokens/admin-client.js'
import { loadOrCreateSigningKeys } from '../tokens/signing-keys.js'

/** What `openhooks token` needs from its environment, said in every error it gives. */
const SAME_ENVIRONMENT =
  'Run "openhooks token" on the server\'s machine with the environment of "openhooks serve": the same OPENHOOKS_DATA_DIR (and OPENHOOKS_MASTER_KEY and OPENHOOKS_ADMIN_CLIENT_ID when the server has them).'

/**
 * `openhooks token`: a Management API token for the admin client, signed with the data folder's
 * signing key, for the issuer the server recorded there (docs/configuration.md). It only reads:
 * a missing data folder, database, master key, signing key or admin client is an error, never
 * created, so that a token it prints is one the server accepts.
 */
export async function mintAdminToken(
  env: Readonly<Record<string, string | undefined>>,
  scopes: readonly string[],
): Promise<{ token: string; issuer: string; warnings: string[] }> {
  const config = loadConfig(env)
  const dataDir = config.dataDir
  const missing = (what: string) => new ConfigError([`${what}. ${SAME_ENVIRONMENT}`])
  if (!existsSync(dataDir)) {
    throw missing(`OPENHOOKS_DATA_DIR: there is no openhooks data folder at ${dataDir}`)
  }
  const database = join(dataDir, DATABASE_FILE)
  if (!existsSync(database)) {
    throw missing(
      `OPENHOOKS_DATA_DIR: ${dataDir} holds no openhooks database (${DATABASE_FILE}); has the server been started with it`,
    )
  }
  const masterKey = config.masterKey ?? readMasterKeyFile(dataDir)
  if (masterKey === undefined) {
    throw missing(
      `OPENHOOKS_MASTER_KEY is not set and ${join(dataDir, MASTER_KEY_FILE)} does not exist`,
    )
  }
  const clientId =
    config.adminClient?.clientId ??
    readSavedAdminClient(join(dataDir, ADMIN_CLIENT_FILE))?.client_id
  if (clientId === undefined) {
    throw missing(
      `OPENHOOKS_ADMIN_CLIENT_ID is not set and ${join(dataDir, ADMIN_CLIENT_FILE)} does not exist`,
    )
  }
  const recorded = readServerRecord(dataDir)
  const issuer = recorded?.issuer ?? config.issuer
  const warnings: string[] = []
  if (recorded !== undefined && env['OPENHOOKS_ISSUER'] !== undefined) {
    if (env['OPENHOOKS_ISSUER'] !== recorded.issuer) {
      warnings.push(
        `OPENHOOKS_ISSUER is ${env['OPENHOOKS_ISSUER']}, but the server last started with ${recorded.issuer}: the token is for ${recorded.issuer}.`,
      )
    }
  }
  const store = await openSqliteStore({ filename: database })
  try {
    if ((await store.listSigningKeys()).length === 0) {
      throw missing(`${database} holds no signing key; has the server been started with it`)
    }
    if ((await store.getClient(clientId)) === undefined) {
      throw missing(`the admin client ${clientId} is not in ${database}`)
    }
    let signingKeys
    try {
      signingKeys = await loadOrCreateSigningKeys(store, createKeyring(masterKey).signingKeys)
    } catch {
      throw missing(`the master key does not open the signing key in ${database}`)
    }
    const token = await signAccessToken(signingKeys, {
      issuer,
      clientId,
      audience: `${issuer}api/v2/`,
      scopes,
      lifetimeS: config.tokenLifetimeS,
    })
    return { token, issuer, warnings }
  } finally {
    await store.close()
  }
}
