import type { Kysely } from 'kysely'

/**
 * Multi-factor authentication by SMS (docs/mfa.md): the tenant's Guardian settings, the
 * short-lived `mfa_token`s of password logins, the users' SMS authenticators, the pending
 * one-time codes, and the SMS sends per phone number that the hourly limit counts. Tokens, codes
 * and recovery codes are stored only as keyed hashes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('guardian_settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('mfa_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('audience', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('mfa_tokens_expires_at')
    .on('mfa_tokens')
    .column('expires_at')
    .execute()
  await db.schema
    .createTable('mfa_authenticators')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('oob_channel', 'text', (c) => c.notNull())
    .addColumn('phone_number', 'text', (c) => c.notNull())
    .addColumn('confirmed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('recovery_code_hash', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('mfa_authenticators_user_id')
    .on('mfa_authenticators')
    .column('user_id')
    .execute()
  await db.schema
    .createTable('mfa_challenges')
    .addColumn('oob_code_hash', 'text', (c) => c.primaryKey())
    .addColumn('authenticator_id', 'text', (c) =>
      c.notNull().references('mfa_authenticators.id').onDelete('cascade'),
    )
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('mfa_sms_sends')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('phone_number', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('mfa_sms_sends_phone_sent')
    .on('mfa_sms_sends')
    .columns(['phone_number', 'sent_at'])
    .execute()
}
