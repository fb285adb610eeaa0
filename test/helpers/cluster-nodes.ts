/**
 * Real `openhooks serve` nodes on one PostgreSQL database, each with its own data folder and
 * loopback port, for the cluster tests of shared state, concurrency and faults. A node can be
 * killed and started again on its folder. Every node is killed and its folder removed by the
 * test's `t.after`.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SERVER_START_TIMEOUT_MS, spawnServer, type RunningServer } from './spawn-server.js'

/**
 * How long one node may take to start: several nodes start on a machine that runs other tests
 * too, each compiling the sources and starting its workers; a deadline, not a speed bound.
 */
export const NODE_START_TIMEOUT_MS = 2.5 * SERVER_START_TIMEOUT_MS

export const NODES_ISSUER = 'https://auth.example.test/'
export const NODES_ADMIN = { id: 'cluster-admin', secret: 'cluster-admin-secret-0123456789' }
export const NODES_OPERATOR = {
  email: 'operator@example.test',
  password: 'cluster-operator-password-0123',
}

export interface Node {
  readonly name: string
  readonly dataDir: string
  server: RunningServer
  url: string
  /** Starts the node again on its folder, with its environment (after a kill). */
  restart(): Promise<void>
  kill(signal?: NodeJS.Signals): void
}

/** The environment every node of a database shares. */
export function sharedEnv(
  databaseUrl: string,
  options: { credentials?: boolean; extra?: Record<string, string> } = {},
): Record<string, string> {
  return {
    OPENHOOKS_DATABASE_URL: databaseUrl,
    OPENHOOKS_MASTER_KEY: randomBytes(32).toString('base64'),
    OPENHOOKS_ISSUER: NODES_ISSUER,
    ...(options.credentials === false
      ? undefined
      : {
          OPENHOOKS_ADMIN_CLIENT_ID: NODES_ADMIN.id,
          OPENHOOKS_ADMIN_CLIENT_SECRET: NODES_ADMIN.secret,
          OPENHOOKS_ADMIN_EMAIL: NODES_OPERATOR.email,
          OPENHOOKS_ADMIN_PASSWORD: NODES_OPERATOR.password,
        }),
    // One worker per pool: several nodes share the machine with the rest of the tests.
    OPENHOOKS_SANDBOX_WORKERS: '1',
    OPENHOOKS_SANDBOX_TOKEN_WORKERS: '1',
    OPENHOOKS_SIGNUP_RATE_LIMIT_PER_MINUTE: '0',
    ...options.extra,
  }
}

/** Starts `count` nodes with `env` at once. */
export async function startNodes(
  t: { after: (fn: () => Promise<void> | void) => void },
  env: Record<string, string>,
  count: number,
): Promise<Node[]> {
  const nodes: Node[] = []
  t.after(async () => {
    for (const node of nodes) node.kill('SIGKILL')
    await Promise.all(nodes.map((node) => node.server.exited))
    for (const node of nodes) rmSync(node.dataDir, { recursive: true, force: true })
  })
  const start = async (index: number): Promise<void> => {
    const name = String.fromCharCode('A'.charCodeAt(0) + index)
    const dataDir = mkdtempSync(join(tmpdir(), `openhooks-node-${name}-`))
    const spawnIt = () =>
      spawnServer(
        { ...env, OPENHOOKS_DATA_DIR: dataDir },
        { startTimeoutMs: NODE_START_TIMEOUT_MS },
      )
    const node: Node = {
      name,
      dataDir,
      server: undefined as unknown as RunningServer,
      url: '',
      async restart() {
        node.server = await spawnIt()
        node.url = node.server.url
      },
      kill(signal: NodeJS.Signals = 'SIGKILL') {
        const child = node.server.child
        if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      },
    }
    nodes[index] = node
    await node.restart()
  }
  await Promise.all(Array.from({ length: count }, (_, i) => start(i)))
  return nodes
}

/** A Management API token for the configured admin client, from `node`. */
export async function adminToken(node: Node): Promise<string> {
  const res = await fetch(`${node.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: NODES_ADMIN.id,
      client_secret: NODES_ADMIN.secret,
      audience: `${NODES_ISSUER}api/v2/`,
    }),
  })
  if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { access_token: string }).access_token
}

/** Calls `node`'s Management API; resolves with the status, headers and parsed body. */
export async function callApi(
  node: Node,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(`${node.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : undefined),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : undefined),
  })
  const text = await res.text()
  return {
    status: res.status,
    headers: res.headers,
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
  }
}
