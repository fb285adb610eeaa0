/**
 * A client-credentials exchange set up through the Management API, as several test files need it:
 * an API with one scope, a machine client granted it, and a credentials-exchange hook.
 */
import assert from 'node:assert/strict'
import type { LightMyRequestResponse } from 'fastify'
import type { TestApp } from './build-test-app.js'

/** The audience of the API the exchange asks for. */
export const EXCHANGE_AUDIENCE = 'https://api.example.com/'

export interface ExchangeClient {
  readonly client_id: string
  readonly client_secret: string
}

/** Creates the API, the client and its grant, and a credentials-exchange hook with `script`. */
export async function setUpExchange(
  app: TestApp,
  script: string,
): Promise<{ client: ExchangeClient; hookId: string }> {
  await app.api('POST', '/api/v2/resource-servers', {
    identifier: EXCHANGE_AUDIENCE,
    scopes: [{ value: 'read:things' }],
  })
  const client = (
    await app.api('POST', '/api/v2/clients', { name: 'Worker' })
  ).json<ExchangeClient>()
  await app.api('POST', '/api/v2/client-grants', {
    client_id: client.client_id,
    audience: EXCHANGE_AUDIENCE,
    scope: ['read:things'],
  })
  const hook = await app.api('POST', '/api/v2/hooks', {
    name: 'exchange',
    script,
    triggerId: 'credentials-exchange',
  })
  assert.equal(hook.statusCode, 201, hook.body)
  return { client, hookId: hook.json<{ id: string }>().id }
}

/** `POST /oauth/token` with the client-credentials grant for `client`. */
export function exchange(app: TestApp, client: ExchangeClient): Promise<LightMyRequestResponse> {
  return app.server.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: client.client_id,
      client_secret: client.client_secret,
      audience: EXCHANGE_AUDIENCE,
    }),
  })
}
