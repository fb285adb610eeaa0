import type { Kysely } from 'kysely'

/**
 * Password-change tickets (`POST /api/v2/tickets/password-change`, `/lo/reset`): only the SHA-256
 * of the token is stored, with its expiry and, once redeemed, when it was used.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('password_tickets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('result_url', 'text')
    .addColumn('mark_email_verified', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('password_tickets_expires_at')
    .on('password_tickets')
    .column('expires_at')
    .execute()
}
