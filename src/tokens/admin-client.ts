import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomToken, type ClientSecretHasher } from '../crypto/keys.js'
import type { ClientGrantStore, ClientRecord, ClientStore, ClusterStore } from '../storage/store.js'
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

/** Clients read per page while looking for the generated admin client in a shared database. */
const CLIENT_PAGE_SIZE = 100

/** The generated admin client in the database: the system client named ADMIN_CLIENT_NAME. */
async function findGeneratedAdminClient(store: ClientStore): Promise<ClientRecord | undefined> {
  for (let offset = 0; ; offset += CLIENT_PAGE_SIZE) {
    const { items } = await store.listClients({ offset, limit: CLIENT_PAGE_SIZE })
    const found = items.find((c) => c.isSystem && c.name === ADMIN_CLIENT_NAME)
    if (found !== undefined || items.length < CLIENT_PAGE_SIZE) return found
  }
}

/**
 * Makes sure the admin client exists with every Management API scope. Credentials come from the
 * configuration, else from `<dataDir>/admin-client.json`, else they are generated and saved there
 * (mode 0600). The database holds only the secret's keyed hash.
 *
 * With `shared` (PostgreSQL: several nodes, one database) no file is used: under the store's
 * first-start lock, the generated client already in the database is kept (its secret was printed
 * by the node that made it), or one is generated, stored hashed and its secret returned once, so
 * that nodes starting together make exactly one.
 */
export async function ensureAdminClient(options: {
  configured: { clientId: string; clientSecret: string } | undefined
  dataDir: string
  store: ClientStore & ClientGrantStore & Pick<ClusterStore, 'whileLocked'>
  hasher: ClientSecretHasher
  managementAudience: string
  shared?: boolean
}): Promise<AdminClientResult> {
  if (options.shared === true && options.configured === undefined) {
    const { store } = options
    return store.whileLocked('openhooks.admin-client', async () => {
      const existing = await findGeneratedAdminClient(store)
      if (existing !== undefined) {
        await store.putClientGrant(existing.clientId, options.managementAudience, MANAGEMENT_SCOPES)
        return { clientId: existing.clientId }
      }
      const clientId = randomToken(GENERATED_CLIENT_ID_BYTES)
      const clientSecret = randomToken(GENERATED_CLIENT_SECRET_BYTES)
      await putAdminClient(options, clientId, options.hasher.hash(clientSecret))
      return { clientId, generatedSecret: clientSecret }
    })
  }
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
  await putAdminClient(options, clientId, secretHash)
  return generated
    ? { clientId, generatedSecret: clientSecret, credentialsFile: path }
    : { clientId }
}

async function putAdminClient(
  options: { store: ClientStore & ClientGrantStore; managementAudience: string },
  clientId: string,
  secretHash: string,
): Promise<void> {
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
}
