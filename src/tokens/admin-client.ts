import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomToken, type ClientSecretHasher } from '../crypto/keys.js'
import type { ClientGrantStore, ClientStore } from '../storage/store.js'
import { MANAGEMENT_SCOPES } from './management-scopes.js'

export const ADMIN_CLIENT_FILE = 'admin-client.json'
const GENERATED_CLIENT_ID_BYTES = 24
const GENERATED_CLIENT_SECRET_BYTES = 48
export const ADMIN_CLIENT_NAME = 'openhooks admin'

export interface AdminClientResult {
  readonly clientId: string
  /** Set only when this start generated the client: the caller prints it once. */
  readonly generatedSecret?: string
  readonly credentialsFile?: string
}

interface SavedCredentials {
  client_id: string
  client_secret: string
}

/** The credentials saved in `<dataDir>/admin-client.json`, or undefined when there is none. */
export function readSavedAdminClient(path: string): SavedCredentials | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<SavedCredentials>
    if (typeof parsed.client_id === 'string' && typeof parsed.client_secret === 'string') {
      return { client_id: parsed.client_id, client_secret: parsed.client_secret }
    }
    throw new Error(`${path} does not hold client_id and client_secret`)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/**
 * Makes sure the admin client exists with every Management API scope. Credentials come from the
 * configuration, else from `<dataDir>/admin-client.json`, else they are generated and saved there
 * (mode 0600). The database holds only the secret's keyed hash.
 */
export async function ensureAdminClient(options: {
  configured: { clientId: string; clientSecret: string } | undefined
  dataDir: string
  store: ClientStore & ClientGrantStore
  hasher: ClientSecretHasher
  managementAudience: string
}): Promise<AdminClientResult> {
  const path = join(options.dataDir, ADMIN_CLIENT_FILE)
  let clientId: string
  let clientSecret: string
  let generated = false
  if (options.configured !== undefined) {
    clientId = options.configured.clientId
    clientSecret = options.configured.clientSecret
  } else {
    const saved = readSavedAdminClient(path)
    if (saved !== undefined) {
      clientId = saved.client_id
      clientSecret = saved.client_secret
    } else {
      clientId = randomToken(GENERATED_CLIENT_ID_BYTES)
      clientSecret = randomToken(GENERATED_CLIENT_SECRET_BYTES)
      const body: SavedCredentials = { client_id: clientId, client_secret: clientSecret }
      writeFileSync(path, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
      generated = true
    }
  }
  const existing = await options.store.getClient(clientId)
  const secretHash =
    existing !== undefined && options.hasher.verify(clientSecret, existing.secretHash)
      ? existing.secretHash
      : options.hasher.hash(clientSecret)
  await options.store.putClient({
    clientId,
    name: ADMIN_CLIENT_NAME,
    description: 'Created by openhooks: holds every Management API scope.',
    secretHash,
    tokenEndpointAuthMethod: 'client_secret_post',
    isSystem: true,
    appType: 'non_interactive',
    grantTypes: ['client_credentials'],
    clientMetadata: {},
  })
  await options.store.putClientGrant(clientId, options.managementAudience, MANAGEMENT_SCOPES)
  return generated
    ? { clientId, generatedSecret: clientSecret, credentialsFile: path }
    : { clientId }
}
