import assert from 'node:assert/strict'
import { test } from 'node:test'
import { auditBody, MAX_AUDIT_STRING_CHARS } from './audit.js'

test('auditBody keeps what changed and replaces secret values, passwords and tokens', () => {
  assert.deepEqual(
    auditBody(
      {
        name: 'crm',
        client_secret: 's3cr3t',
        token_endpoint_auth_method: 'client_secret_post',
        jwt_configuration: { alg: 'RS256' },
        user_metadata: { refresh_token: 'rt', plan: 'pro' },
        secrets: { API_KEY: 'v1', OTHER: 'v2' },
        password: 'hunter2',
        script: 'x'.repeat(MAX_AUDIT_STRING_CHARS + 1),
      },
      '/api/v2/clients',
    ),
    {
      name: 'crm',
      client_secret: '[redacted]',
      token_endpoint_auth_method: 'client_secret_post',
      jwt_configuration: { alg: 'RS256' },
      user_metadata: { refresh_token: '[redacted]', plan: 'pro' },
      secrets: { API_KEY: '[redacted]', OTHER: '[redacted]' },
      password: '[redacted]',
      script: `[${MAX_AUDIT_STRING_CHARS + 1} characters]`,
    },
  )
  // A hook's secrets body is a map of names to values: the names stay.
  assert.deepEqual(auditBody({ SMS_KEY: 'value' }, '/api/v2/hooks/01H/secrets'), {
    SMS_KEY: '[redacted]',
  })
})
