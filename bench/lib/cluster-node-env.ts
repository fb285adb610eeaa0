/**
 * What the cluster benches (`bench/scenarios/cluster.ts`, `bench/cluster-cost.ts`) give their
 * `openhooks serve` nodes: one issuer, one admin client and one master key for all of them, and
 * the Management API token of that admin client.
 */
import { randomBytes } from 'node:crypto'
import { httpOk } from './load.js'

export const CLUSTER_ISSUER = 'https://openhooks.bench/'
export const CLUSTER_ADMIN = { id: 'bench-admin', secret: 'bench-admin-secret-0123456789abcdef' }

/** The settings every node of one bench run shares (a fresh master key per call). */
export function clusterNodeEnv(): Record<string, string> {
  return {
    OPENHOOKS_MASTER_KEY: randomBytes(32).toString('base64'),
    OPENHOOKS_ISSUER: CLUSTER_ISSUER,
    OPENHOOKS_ADMIN_CLIENT_ID: CLUSTER_ADMIN.id,
    OPENHOOKS_ADMIN_CLIENT_SECRET: CLUSTER_ADMIN.secret,
    OPENHOOKS_ADMIN_EMAIL: 'operator@openhooks.bench',
    OPENHOOKS_ADMIN_PASSWORD: 'bench-operator-password-0123',
    OPENHOOKS_METRICS: 'on',
    // The bench measures the server, not the Management API's quota.
    OPENHOOKS_RATE_LIMIT_ENABLED: 'false',
    // One worker for the token hook, one for the rest, per node (two cores in all here).
    OPENHOOKS_SANDBOX_WORKERS: '1',
    OPENHOOKS_SANDBOX_TOKEN_WORKERS: '1',
    OPENHOOKS_EGRESS: 'allowlist',
  }
}

/** A Management API token of the bench's admin client, from the node at `url`. */
export async function clusterAdminToken(url: string): Promise<string> {
  const answer = await httpOk(url, 'POST', '/oauth/token', {
    status: 200,
    body: {
      grant_type: 'client_credentials',
      client_id: CLUSTER_ADMIN.id,
      client_secret: CLUSTER_ADMIN.secret,
      audience: `${CLUSTER_ISSUER}api/v2/`,
    },
  })
  return (answer.body as { access_token: string }).access_token
}
