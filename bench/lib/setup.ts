/** Setup steps the scenarios share, through the Management API of a bench server. */
import { httpOk } from './load.js'
import type { AppEndpoint } from './processes.js'

export const BENCH_AUDIENCE = 'https://api.example.com/'

export interface BenchClient {
  readonly client_id: string
  readonly client_secret: string
}

/** An API, a client allowed the client-credentials grant on it, and the grant. */
export async function createMachineClient(app: AppEndpoint): Promise<BenchClient> {
  const { url, token } = app
  await httpOk(url, 'POST', '/api/v2/resource-servers', {
    token,
    body: { identifier: BENCH_AUDIENCE, scopes: [{ value: 'read:things' }] },
  })
  const client = (
    await httpOk(url, 'POST', '/api/v2/clients', {
      token,
      body: { name: 'bench', client_metadata: { plan: 'full' } },
    })
  ).body as BenchClient
  await httpOk(url, 'POST', '/api/v2/client-grants', {
    token,
    body: { client_id: client.client_id, audience: BENCH_AUDIENCE, scope: ['read:things'] },
  })
  return client
}

/** Creates an enabled hook and returns its id. */
export async function createHook(
  app: AppEndpoint,
  triggerId: string,
  script: string,
  name = `bench-${triggerId}`,
): Promise<string> {
  const answer = await httpOk(app.url, 'POST', '/api/v2/hooks', {
    token: app.token,
    body: { name, script, triggerId, enabled: true },
  })
  return (answer.body as { id: string }).id
}

function tokenRequest(client: BenchClient): Record<string, string> {
  return {
    grant_type: 'client_credentials',
    client_id: client.client_id,
    client_secret: client.client_secret,
    audience: BENCH_AUDIENCE,
  }
}

/** `client`'s client-credentials request for the bench's API, as JSON. */
export function tokenRequestBody(client: BenchClient): string {
  return JSON.stringify(tokenRequest(client))
}

/** The same request as a form (`client_secret_post`, as the token-peer scenario sends it). */
export function tokenRequestForm(client: BenchClient): string {
  return new URLSearchParams(tokenRequest(client)).toString()
}
