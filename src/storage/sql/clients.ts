import type { Selectable } from 'kysely'
import type { ClientGrantsTable, ClientsTable, ResourceServersTable } from '../schema.js'
import type {
  ClientGrantFilter,
  ClientGrantRecord,
  ClientGrantStore,
  ClientPatch,
  ClientRecord,
  ClientStore,
  NewClient,
  NewResourceServer,
  PageRequest,
  ResourceServerPatch,
  ResourceServerRecord,
  ResourceServerScope,
  ResourceServerStore,
} from '../store.js'
import {
  hexId,
  isUniqueViolation,
  parseStringList,
  parseStringMap,
  type SqlContext,
} from './context.js'

function toClient(row: Selectable<ClientsTable>): ClientRecord {
  return {
    clientId: row.client_id,
    name: row.name,
    secretHash: row.secret_hash,
    appType: row.app_type,
    grantTypes: parseStringList(row.grant_types),
    clientMetadata: parseStringMap(row.client_metadata),
    description: row.description,
    tokenEndpointAuthMethod: row.token_endpoint_auth_method,
    isSystem: row.is_system === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toGrant(row: Selectable<ClientGrantsTable>): ClientGrantRecord {
  return {
    id: row.id,
    clientId: row.client_id,
    audience: row.audience,
    scope: parseStringList(row.scope),
  }
}

function toResourceServer(row: Selectable<ResourceServersTable>): ResourceServerRecord {
  return {
    id: row.id,
    identifier: row.identifier,
    name: row.name,
    scopes: JSON.parse(row.scopes) as ResourceServerScope[],
    tokenLifetime: row.token_lifetime,
    signingAlg: row.signing_alg,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** Applications (clients); deleting one deletes its grants. */
export function sqlClientStore({ db, timestamp }: SqlContext): ClientStore {
  return {
    async getClient(clientId: string): Promise<ClientRecord | undefined> {
      const row = await db
        .selectFrom('clients')
        .selectAll()
        .where('client_id', '=', clientId)
        .executeTakeFirst()
      return row === undefined ? undefined : toClient(row)
    },

    async listClients(page?: PageRequest): Promise<{ items: ClientRecord[]; total: number }> {
      const count = await db
        .selectFrom('clients')
        .select((eb) => eb.fn.countAll<number>().as('total'))
        .executeTakeFirstOrThrow()
      let query = db.selectFrom('clients').selectAll().orderBy('created_at').orderBy('client_id')
      if (page !== undefined) query = query.limit(page.limit).offset(page.offset)
      return { items: (await query.execute()).map(toClient), total: count.total }
    },

    async putClient(client: NewClient): Promise<ClientRecord> {
      const at = timestamp()
      const fields = {
        name: client.name,
        description: client.description,
        secret_hash: client.secretHash,
        app_type: client.appType,
        grant_types: JSON.stringify(client.grantTypes),
        client_metadata: JSON.stringify(client.clientMetadata),
        token_endpoint_auth_method: client.tokenEndpointAuthMethod,
        is_system: client.isSystem ? 1 : 0,
      }
      const row = await db
        .insertInto('clients')
        .values({ client_id: client.clientId, ...fields, created_at: at, updated_at: at })
        .onConflict((oc) => oc.column('client_id').doUpdateSet({ ...fields, updated_at: at }))
        .returningAll()
        .executeTakeFirstOrThrow()
      return toClient(row)
    },

    async updateClient(clientId: string, patch: ClientPatch): Promise<ClientRecord | undefined> {
      const row = await db
        .updateTable('clients')
        .set({
          ...(patch.name !== undefined ? { name: patch.name } : undefined),
          ...(patch.description !== undefined ? { description: patch.description } : undefined),
          ...(patch.secretHash !== undefined ? { secret_hash: patch.secretHash } : undefined),
          ...(patch.appType !== undefined ? { app_type: patch.appType } : undefined),
          ...(patch.grantTypes !== undefined
            ? { grant_types: JSON.stringify(patch.grantTypes) }
            : undefined),
          ...(patch.clientMetadata !== undefined
            ? { client_metadata: JSON.stringify(patch.clientMetadata) }
            : undefined),
          ...(patch.tokenEndpointAuthMethod !== undefined
            ? { token_endpoint_auth_method: patch.tokenEndpointAuthMethod }
            : undefined),
          updated_at: timestamp(),
        })
        .where('client_id', '=', clientId)
        .returningAll()
        .executeTakeFirst()
      return row === undefined ? undefined : toClient(row)
    },

    async deleteClient(clientId: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        await trx.deleteFrom('client_grants').where('client_id', '=', clientId).execute()
        const result = await trx
          .deleteFrom('clients')
          .where('client_id', '=', clientId)
          .executeTakeFirst()
        return result.numDeletedRows > 0n
      })
    },
  }
}

/** Client grants: which client may ask for which audience and scopes. */
export function sqlClientGrantStore({ db, timestamp }: SqlContext): ClientGrantStore {
  return {
    async getClientGrant(
      clientId: string,
      audience: string,
    ): Promise<ClientGrantRecord | undefined> {
      const row = await db
        .selectFrom('client_grants')
        .selectAll()
        .where('client_id', '=', clientId)
        .where('audience', '=', audience)
        .executeTakeFirst()
      return row === undefined ? undefined : toGrant(row)
    },

    async getClientGrantById(id: string): Promise<ClientGrantRecord | undefined> {
      const row = await db
        .selectFrom('client_grants')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst()
      return row === undefined ? undefined : toGrant(row)
    },

    async listClientGrants(
      filter: ClientGrantFilter,
      page?: PageRequest,
    ): Promise<{ items: ClientGrantRecord[]; total: number }> {
      let query = db.selectFrom('client_grants')
      if (filter.clientId !== undefined) query = query.where('client_id', '=', filter.clientId)
      if (filter.audience !== undefined) query = query.where('audience', '=', filter.audience)
      const count = await query
        .select((eb) => eb.fn.countAll<number>().as('total'))
        .executeTakeFirstOrThrow()
      let rows = query.selectAll().orderBy('created_at').orderBy('id')
      if (page !== undefined) rows = rows.limit(page.limit).offset(page.offset)
      return { items: (await rows.execute()).map(toGrant), total: count.total }
    },

    async putClientGrant(
      clientId: string,
      audience: string,
      scope: readonly string[],
    ): Promise<ClientGrantRecord> {
      const row = await db
        .insertInto('client_grants')
        .values({
          id: `cgr_${hexId(8)}`,
          client_id: clientId,
          audience,
          scope: JSON.stringify(scope),
          created_at: timestamp(),
        })
        .onConflict((oc) =>
          oc.columns(['client_id', 'audience']).doUpdateSet({ scope: JSON.stringify(scope) }),
        )
        .returningAll()
        .executeTakeFirstOrThrow()
      return toGrant(row)
    },

    async createClientGrant(
      clientId: string,
      audience: string,
      scope: readonly string[],
    ): Promise<{ ok: true; grant: ClientGrantRecord } | { ok: false; reason: 'exists' }> {
      try {
        const row = await db
          .insertInto('client_grants')
          .values({
            id: `cgr_${hexId(8)}`,
            client_id: clientId,
            audience,
            scope: JSON.stringify(scope),
            created_at: timestamp(),
          })
          .returningAll()
          .executeTakeFirstOrThrow()
        return { ok: true, grant: toGrant(row) }
      } catch (error) {
        if (isUniqueViolation(error)) return { ok: false, reason: 'exists' }
        throw error
      }
    },

    async updateClientGrant(
      id: string,
      scope: readonly string[],
    ): Promise<ClientGrantRecord | undefined> {
      const row = await db
        .updateTable('client_grants')
        .set({ scope: JSON.stringify(scope) })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst()
      return row === undefined ? undefined : toGrant(row)
    },

    async deleteClientGrant(id: string): Promise<boolean> {
      const result = await db.deleteFrom('client_grants').where('id', '=', id).executeTakeFirst()
      return result.numDeletedRows > 0n
    },
  }
}

/** APIs (resource servers); deleting one deletes the grants for its audience. */
export function sqlResourceServerStore({ db, timestamp }: SqlContext): ResourceServerStore {
  return {
    async listResourceServers(
      page?: PageRequest,
    ): Promise<{ items: ResourceServerRecord[]; total: number }> {
      const count = await db
        .selectFrom('resource_servers')
        .select((eb) => eb.fn.countAll<number>().as('total'))
        .executeTakeFirstOrThrow()
      let query = db.selectFrom('resource_servers').selectAll().orderBy('created_at').orderBy('id')
      if (page !== undefined) query = query.limit(page.limit).offset(page.offset)
      return { items: (await query.execute()).map(toResourceServer), total: count.total }
    },

    async getResourceServer(idOrIdentifier: string): Promise<ResourceServerRecord | undefined> {
      const row = await db
        .selectFrom('resource_servers')
        .selectAll()
        .where((eb) =>
          eb.or([eb('id', '=', idOrIdentifier), eb('identifier', '=', idOrIdentifier)]),
        )
        .executeTakeFirst()
      return row === undefined ? undefined : toResourceServer(row)
    },

    async createResourceServer(
      rs: NewResourceServer,
    ): Promise<
      { ok: true; resourceServer: ResourceServerRecord } | { ok: false; reason: 'identifier-taken' }
    > {
      const at = timestamp()
      try {
        const row = await db
          .insertInto('resource_servers')
          .values({
            id: hexId(12),
            identifier: rs.identifier,
            name: rs.name,
            scopes: JSON.stringify(rs.scopes),
            token_lifetime: rs.tokenLifetime,
            signing_alg: rs.signingAlg,
            created_at: at,
            updated_at: at,
          })
          .returningAll()
          .executeTakeFirstOrThrow()
        return { ok: true, resourceServer: toResourceServer(row) }
      } catch (error) {
        if (isUniqueViolation(error)) return { ok: false, reason: 'identifier-taken' }
        throw error
      }
    },

    async updateResourceServer(
      id: string,
      patch: ResourceServerPatch,
    ): Promise<ResourceServerRecord | undefined> {
      const row = await db
        .updateTable('resource_servers')
        .set({
          ...(patch.name !== undefined ? { name: patch.name } : undefined),
          ...(patch.scopes !== undefined ? { scopes: JSON.stringify(patch.scopes) } : undefined),
          ...(patch.tokenLifetime !== undefined
            ? { token_lifetime: patch.tokenLifetime }
            : undefined),
          updated_at: timestamp(),
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst()
      return row === undefined ? undefined : toResourceServer(row)
    },

    async deleteResourceServer(id: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .deleteFrom('resource_servers')
          .where('id', '=', id)
          .returning('identifier')
          .executeTakeFirst()
        if (row === undefined) return false
        await trx.deleteFrom('client_grants').where('audience', '=', row.identifier).execute()
        return true
      })
    },
  }
}
