import { sql, type Kysely } from 'kysely'

/**
 * The directory the flows need: APIs (resource servers), database connections, users, and the
 * tenant log. Clients gain the fields of Auth0's client object that the flows read.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('clients')
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .execute()
  await db.schema
    .alterTable('clients')
    .addColumn('token_endpoint_auth_method', 'text', (c) =>
      c.notNull().defaultTo('client_secret_post'),
    )
    .execute()
  await db.schema
    .alterTable('clients')
    .addColumn('is_system', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()

  await db.schema
    .createTable('resource_servers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('identifier', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('token_lifetime', 'integer', (c) => c.notNull())
    .addColumn('signing_alg', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('connections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('strategy', 'text', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('connection_id', 'text', (c) =>
      c.notNull().references('connections.id').onDelete('cascade'),
    )
    .addColumn('email', 'text')
    /** Lower-cased e-mail: unique per connection, as Auth0 compares addresses. */
    .addColumn('email_key', 'text')
    .addColumn('username', 'text')
    .addColumn('username_key', 'text')
    .addColumn('phone_number', 'text')
    .addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('phone_verified', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('password_hash', 'text')
    .addColumn('user_metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('app_metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('last_password_reset', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('users_email_per_connection')
    .on('users')
    .columns(['connection_id', 'email_key'])
    .unique()
    .where(sql.ref('email_key'), 'is not', null)
    .execute()
  await db.schema
    .createIndex('users_username_per_connection')
    .on('users')
    .columns(['connection_id', 'username_key'])
    .unique()
    .where(sql.ref('username_key'), 'is not', null)
    .execute()

  await db.schema
    .createTable('tenant_logs')
    .addColumn('log_id', 'text', (c) => c.primaryKey())
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('client_id', 'text')
    .addColumn('client_name', 'text')
    .addColumn('user_id', 'text')
    .addColumn('user_name', 'text')
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('hook_id', 'text')
    .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute()
  await db.schema.createIndex('tenant_logs_type').on('tenant_logs').column('type').execute()
  await db.schema.createIndex('tenant_logs_hook').on('tenant_logs').column('hook_id').execute()
}
