import { ApiError } from '../errors/api-error.js'
import type {
  ClientGrantRecord,
  NewResourceServer,
  PageRequest,
  ResourceServerPatch,
  ResourceServerRecord,
  Store,
} from '../storage/store.js'
import { MANAGEMENT_SCOPES } from '../tokens/management-scopes.js'

/** Default access-token lifetime of a new API, in seconds (Auth0's default). */
export const DEFAULT_TOKEN_LIFETIME_S = 86_400
/** Longest access-token lifetime an API may set, in seconds (30 days, as Auth0). */
export const MAX_TOKEN_LIFETIME_S = 2_592_000

/** What the token endpoint needs to know about an audience. */
export interface AudienceInfo {
  readonly lifetimeS: number
  readonly scopes: readonly string[]
}

/**
 * APIs (resource servers) and the grants that let clients get tokens for them. The Management
 * API is an audience too, built in, with the scopes of `MANAGEMENT_SCOPES`.
 */
export class ApiService {
  readonly #store: Store
  readonly #managementAudience: string
  readonly #managementLifetimeS: number

  constructor(store: Store, management: { audience: string; lifetimeS: number }) {
    this.#store = store
    this.#managementAudience = management.audience
    this.#managementLifetimeS = management.lifetimeS
  }

  async resolveAudience(audience: string): Promise<AudienceInfo | undefined> {
    if (audience === this.#managementAudience) {
      return { lifetimeS: this.#managementLifetimeS, scopes: MANAGEMENT_SCOPES }
    }
    const rs = await this.#store.getResourceServer(audience)
    if (rs?.identifier !== audience) return undefined
    return { lifetimeS: rs.tokenLifetime, scopes: rs.scopes.map((s) => s.value) }
  }

  async create(input: NewResourceServer): Promise<ResourceServerRecord> {
    if (input.identifier === this.#managementAudience) throw new ApiError('ReservedAudience')
    const result = await this.#store.createResourceServer(input)
    if (!result.ok) throw new ApiError('ResourceServerAlreadyExists')
    return result.resourceServer
  }

  list(page?: PageRequest): Promise<{ items: ResourceServerRecord[]; total: number }> {
    return this.#store.listResourceServers(page)
  }

  async get(idOrIdentifier: string): Promise<ResourceServerRecord> {
    const rs = await this.#store.getResourceServer(idOrIdentifier)
    if (rs === undefined) throw new ApiError('ResourceServerDoesNotExist')
    return rs
  }

  async update(idOrIdentifier: string, patch: ResourceServerPatch): Promise<ResourceServerRecord> {
    const rs = await this.get(idOrIdentifier)
    const updated = await this.#store.updateResourceServer(rs.id, patch)
    if (updated === undefined) throw new ApiError('ResourceServerDoesNotExist')
    return updated
  }

  async delete(idOrIdentifier: string): Promise<void> {
    const rs = await this.get(idOrIdentifier)
    await this.#store.deleteResourceServer(rs.id)
  }

  async #checkScopes(audience: string, scope: readonly string[]): Promise<void> {
    const info = await this.resolveAudience(audience)
    if (info === undefined) throw new ApiError('ResourceServerDoesNotExist')
    const unknown = scope.filter((s) => !info.scopes.includes(s))
    if (unknown.length > 0) {
      throw new ApiError('UnknownScopes', {
        message: `Scopes not defined on the resource server: ${unknown.join(', ')}`,
      })
    }
  }

  async createGrant(
    clientId: string,
    audience: string,
    scope: readonly string[],
  ): Promise<ClientGrantRecord> {
    if ((await this.#store.getClient(clientId)) === undefined)
      throw new ApiError('ClientDoesNotExist')
    await this.#checkScopes(audience, scope)
    const result = await this.#store.createClientGrant(clientId, audience, [...new Set(scope)])
    if (!result.ok) throw new ApiError('ClientGrantAlreadyExists')
    return result.grant
  }

  listGrants(
    filter: { clientId?: string; audience?: string },
    page?: PageRequest,
  ): Promise<{ items: ClientGrantRecord[]; total: number }> {
    return this.#store.listClientGrants(filter, page)
  }

  /** A grant that exists and does not belong to the admin client (which openhooks manages). */
  async #editableGrant(id: string): Promise<ClientGrantRecord> {
    const grant = await this.#store.getClientGrantById(id)
    if (grant === undefined) throw new ApiError('ClientGrantDoesNotExist')
    if ((await this.#store.getClient(grant.clientId))?.isSystem === true) {
      throw new ApiError('SystemClientReadOnly')
    }
    return grant
  }

  async updateGrant(id: string, scope: readonly string[]): Promise<ClientGrantRecord> {
    const grant = await this.#editableGrant(id)
    await this.#checkScopes(grant.audience, scope)
    const updated = await this.#store.updateClientGrant(id, [...new Set(scope)])
    if (updated === undefined) throw new ApiError('ClientGrantDoesNotExist')
    return updated
  }

  async deleteGrant(id: string): Promise<void> {
    await this.#editableGrant(id)
    if (!(await this.#store.deleteClientGrant(id))) throw new ApiError('ClientGrantDoesNotExist')
  }
}
