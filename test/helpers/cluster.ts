/**
 * A cluster of real `openhooks serve` processes on one real PostgreSQL database, for the cluster
 * tests and benchmarks: each node has its own data folder and loopback port; they share the
 * database, the master key, the issuer, the admin client and the operator account. A node can be
 * killed and started again on its folder.
 *
 * - `startNodes(t, clusterEnv(url), n)`: `n` nodes on a database the test provides, stopped by
 *   the test's `t.after`;
 * - `startCluster(options)`: a fresh database and its nodes, for suites that share them between
 *   tests (`before`/`after`) and for benchmarks; stopped by `stop()`.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestDatabase, type TestDatabase } from './postgres.js'
import {
  SERVER_START_TIMEOUT_MS,
  managementToken,
  spawnServer,
  type RunningServer,
} from './spawn-server.js'

/**
 * How long one node may take to start: several nodes start on a machine that runs other tests
 * too, each compiling the sources and starting its workers; a deadline, not a speed bound.
 */
export const NODE_START_TIMEOUT_MS = 2.5 * SERVER_START_TIMEOUT_MS

export const CLUSTER_ISSUER = 'https://auth.example.test/'
export const CLUSTER_ADMIN = { id: 'cluster-admin', secret: 'cluster-admin-secret-0123456789' }
export const CLUSTER_OPERATOR = {
  email: 'operator@example.test',
  password: 'cluster-operator-password-0123',
}

export interface ApiAnswer {
  readonly status: number
  readonly headers: Headers
  readonly body: unknown
}

export interface ClusterNode {
  /** `A`, `B`, `C`, … in start order. */
  readonly name: string
  readonly dataDir: string
  /** The running process; replaced by `restart()`. */
  readonly server: RunningServer
  readonly url: string
  /** A Management API token minted by this node (cached until a restart). */
  token(): Promise<string>
  /** Calls the Management API of this node with its token; resolves with the parsed JSON body. */
  api(method: string, path: string, body?: unknown): Promise<ApiAnswer>
  /** A client-credentials exchange on this node (the admin client's, unless another is given). */
  exchange(
    audience?: string,
    client?: { readonly id: string; readonly secret: string },
  ): Promise<{ status: number; body: Record<string, unknown> }>
  /** Starts the node again on its folder, with its environment (after a kill). */
  restart(): Promise<void>
  kill(signal?: NodeJS.Signals): void
}

/** The environment every node of a database shares. */
export function clusterEnv(
  databaseUrl: string,
  options: { credentials?: boolean; extra?: Record<string, string> } = {},
): Record<string, string> {
  return {
    OPENHOOKS_DATABASE_URL: databaseUrl,
    OPENHOOKS_MASTER_KEY: randomBytes(32).toString('base64'),
    OPENHOOKS_ISSUER: CLUSTER_ISSUER,
    ...(options.credentials === false
      ? undefined
      : {
          OPENHOOKS_ADMIN_CLIENT_ID: CLUSTER_ADMIN.id,
          OPENHOOKS_ADMIN_CLIENT_SECRET: CLUSTER_ADMIN.secret,
          OPENHOOKS_ADMIN_EMAIL: CLUSTER_OPERATOR.email,
          OPENHOOKS_ADMIN_PASSWORD: CLUSTER_OPERATOR.password,
        }),
    // One worker per pool: several nodes share the machine with the rest of the tests.
    OPENHOOKS_SANDBOX_WORKERS: '1',
    OPENHOOKS_SANDBOX_TOKEN_WORKERS: '1',
    OPENHOOKS_SIGNUP_RATE_LIMIT_PER_MINUTE: '0',
    ...options.extra,
  }
}

/** Creates node `name` on a fresh folder and starts it with `env`. */
async function launchNode(name: string, env: Record<string, string>): Promise<ClusterNode> {
  const dataDir = mkdtempSync(join(tmpdir(), `openhooks-node-${name}-`))
  let server: RunningServer | undefined
  let token: Promise<string> | undefined
  const running = (): RunningServer => {
    if (server === undefined) throw new Error(`node ${name} is not started`)
    return server
  }
  const getToken = (): Promise<string> => {
    token ??= managementToken(running(), {
      id: CLUSTER_ADMIN.id,
      secret: CLUSTER_ADMIN.secret,
      issuer: CLUSTER_ISSUER,
    })
    return token
  }
  const node: ClusterNode = {
    name,
    dataDir,
    get server() {
      return running()
    },
    get url() {
      return running().url
    },
    token: getToken,
    async api(method, path, body) {
      return callApi(node, await getToken(), method, path, body)
    },
    async exchange(audience = `${CLUSTER_ISSUER}api/v2/`, client = CLUSTER_ADMIN) {
      const res = await fetch(`${node.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'client_credentials',
          client_id: client.id,
          client_secret: client.secret,
          audience,
        }),
      })
      return { status: res.status, body: (await res.json()) as Record<string, unknown> }
    },
    async restart() {
      token = undefined
      server = await spawnServer(
        { ...env, OPENHOOKS_DATA_DIR: dataDir },
        { startTimeoutMs: NODE_START_TIMEOUT_MS },
      )
    },
    kill(signal: NodeJS.Signals = 'SIGKILL') {
      const child = server?.child
      if (child !== undefined && child.exitCode === null && child.signalCode === null) {
        child.kill(signal)
      }
    },
  }
  try {
    await node.restart()
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true })
    throw error
  }
  return node
}

/** Kills `nodes`, waits for them, and removes their folders. */
async function stopNodes(nodes: readonly ClusterNode[]): Promise<void> {
  for (const node of nodes) node.kill('SIGKILL')
  await Promise.all(
    nodes.map(async (node) => {
      try {
        await node.server.exited
      } catch {
        // never started
      }
    }),
  )
  for (const node of nodes) rmSync(node.dataDir, { recursive: true, force: true })
}

const nodeName = (index: number): string => String.fromCharCode('A'.charCodeAt(0) + index)

/** Starts `count` nodes with `env` at once; the test's `t.after` stops them. */
export async function startNodes(
  t: { after: (fn: () => Promise<void> | void) => void },
  env: Record<string, string>,
  count: number,
): Promise<ClusterNode[]> {
  const nodes: ClusterNode[] = []
  t.after(() => stopNodes(nodes))
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      nodes[i] = await launchNode(nodeName(i), env)
    }),
  )
  return nodes
}

export interface Cluster {
  readonly database: TestDatabase
  /** The environment every node shares (database URL, master key, issuer, admin client). */
  readonly env: Readonly<Record<string, string>>
  readonly nodes: ClusterNode[]
  /** Starts one more node with the shared environment plus `extra`. */
  addNode(extra?: Record<string, string>): Promise<ClusterNode>
  stop(): Promise<void>
}

export interface ClusterOptions {
  /** Nodes started now (the first alone, the others together); three by default. */
  readonly nodes?: number
  /** Extra environment for every node. */
  readonly env?: Record<string, string>
  /** Extra environment per node, by index. */
  readonly nodeEnv?: readonly Record<string, string>[]
}

/**
 * Starts a fresh database and `options.nodes` nodes on it. The first node starts alone (it
 * migrates the empty database and creates the admin client), the others together.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const database = await createTestDatabase()
  const env = clusterEnv(database.url, options.env !== undefined ? { extra: options.env } : {})
  const nodes: ClusterNode[] = []
  let started = 0
  const addNode = async (extra: Record<string, string> = {}): Promise<ClusterNode> => {
    const node = await launchNode(nodeName(started++), { ...env, ...extra })
    nodes.push(node)
    return node
  }
  const stop = async (): Promise<void> => {
    await stopNodes(nodes)
    await database.drop()
  }
  const count = options.nodes ?? 3
  try {
    if (count > 0) await addNode(options.nodeEnv?.[0])
    await Promise.all(
      Array.from({ length: count - 1 }, (_, i) => addNode(options.nodeEnv?.[i + 1])),
    )
    // Start order may differ from index order: keep the nodes in name order.
    nodes.sort((x, y) => (x.name < y.name ? -1 : 1))
  } catch (error) {
    await stop()
    throw error
  }
  return { database, env, nodes, addNode, stop }
}

/** A Management API token for the configured admin client, from `node`. */
export async function adminToken(node: ClusterNode): Promise<string> {
  return node.token()
}

/** Calls `node`'s Management API with `token`; resolves with the status, headers and parsed body. */
export async function callApi(
  node: ClusterNode,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiAnswer> {
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
