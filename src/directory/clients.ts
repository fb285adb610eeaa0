import { randomBytes } from 'node:crypto'
import type { ClientSecretHasher } from '../crypto/keys.js'
import { ApiError } from '../errors/api-error.js'
import type { ClientPatch, ClientRecord, PageRequest, Store } from '../storage/store.js'

const CLIENT_ID_CHARS = 32
const CLIENT_SECRET_BYTES = 48
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** A client id as Auth0 makes them: 32 letters and digits. */
function newClientId(): string {
  const bytes = randomBytes(CLIENT_ID_CHARS * 2)
  let out = ''
  for (const b of bytes) {
    // Rejection sampling keeps every character equally likely.
    if (b < 248) out += ALPHANUMERIC.charAt(b % 62)
    if (out.length === CLIENT_ID_CHARS) return out
  }
  return out + newClientId().slice(0, CLIENT_ID_CHARS - out.length)
}

export interface NewClientInput {
  readonly name: string
  readonly description?: string
  readonly appType?: string
  readonly grantTypes?: readonly string[]
  readonly clientMetadata?: Readonly<Record<string, string>>
  readonly tokenEndpointAuthMethod?: string
}

/** Applications (OAuth clients). Secrets are shown once, at creation and rotation, then hashed. */
export class ClientService {
  readonly #store: Store
  readonly #hasher: ClientSecretHasher

  constructor(store: Store, hasher: ClientSecretHasher) {
    this.#store = store
    this.#hasher = hasher
  }

  async create(input: NewClientInput): Promise<{ client: ClientRecord; secret: string }> {
    const secret = randomBytes(CLIENT_SECRET_BYTES).toString('base64url')
    const appType = input.appType ?? 'non_interactive'
    const client = await this.#store.putClient({
      clientId: newClientId(),
      name: input.name,
      description: input.description ?? '',
      secretHash: this.#hasher.hash(secret),
      appType,
      grantTypes:
        input.grantTypes ??
        (appType === 'non_interactive'
          ? ['client_credentials']
          : ['authorization_code', 'refresh_token']),
      clientMetadata: input.clientMetadata ?? {},
      tokenEndpointAuthMethod: input.tokenEndpointAuthMethod ?? 'client_secret_post',
      isSystem: false,
    })
    return { client, secret }
  }

  list(page?: PageRequest): Promise<{ items: ClientRecord[]; total: number }> {
    return this.#store.listClients(page)
  }

  async get(clientId: string): Promise<ClientRecord> {
    const client = await this.#store.getClient(clientId)
    if (client === undefined) throw new ApiError('ClientDoesNotExist')
    return client
  }

  async update(clientId: string, patch: Omit<ClientPatch, 'secretHash'>): Promise<ClientRecord> {
    if ((await this.get(clientId)).isSystem) throw new ApiError('SystemClientReadOnly')
    const client = await this.#store.updateClient(clientId, patch)
    if (client === undefined) throw new ApiError('ClientDoesNotExist')
    return client
  }

  async rotateSecret(clientId: string): Promise<{ client: ClientRecord; secret: string }> {
    if ((await this.get(clientId)).isSystem) throw new ApiError('SystemClientReadOnly')
    const secret = randomBytes(CLIENT_SECRET_BYTES).toString('base64url')
    const client = await this.#store.updateClient(clientId, {
      secretHash: this.#hasher.hash(secret),
    })
    if (client === undefined) throw new ApiError('ClientDoesNotExist')
    return { client, secret }
  }

  async delete(clientId: string): Promise<void> {
    if ((await this.get(clientId)).isSystem) throw new ApiError('SystemClientReadOnly')
    await this.#store.deleteClient(clientId)
  }
}
