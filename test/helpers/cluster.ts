/**
 * A cluster of real `openhooks serve` processes on one real PostgreSQL database, for the cluster
 * tests and benchmarks: each node has its own data folder and loopback port; they share the
 * database, the master key, the issuer and the admin client. Stopped (SIGKILL, folders removed,
 * database dropped) by `stop()` or the test's `t.after`.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestDatabase, type TestDatabase } from './postgres.js'
import { managementToken, spawnServer, type RunningServer } from './spawn-server.js'

export const CLUSTER_ISSUER = 'https://auth.example.test/'
export const CLUSTER_ADMIN_CLIENT_ID = 'cluster-admin'
export const CLUSTER_ADMIN_CLIENT_SECRET = 'cluster-admin-secret-0123456789'

export interface ClusterNode {
  /** `A`, `B`, `C`, … in start order. */
  readonly name: string
  readonly dataDir: string
  /** The running process; replaced by `restart()`. */
  readonly server: RunningServer
  readonly url: string
  /** A Management API token minted by this node (cached). */
  token(): Promise<string>
  /** Calls the Management API of this node; resolves with the status and parsed JSON body. */
  api(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown; headers: Headers }>
  /** A client-credentials exchange for the admin client on this node. */
  exchange(audience?: string): Promise<{ status: number; body: Record<string, unknown> }>
  kill(signal?: NodeJS.Signals): void
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
  /** Nodes started now (in parallel). */
  readonly nodes?: number
  /** Extra environment for every node. */
  readonly env?: Record<string, string>
  /** Extra environment per node, by index. */
  readonly nodeEnv?: readonly Record<string, string>[]
}

/**
 * Starts a fresh database and `options.nodes` nodes on it (three by default). The first node
 * starts alone (it migrates the empty database and creates the admin client), the others together.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const database = await createTestDatabase()
  const env: Record<string, string> = {
    OPENHOOKS_DATABASE_URL: database.url,
    OPENHOOKS_MASTER_KEY: randomBytes(32).toString('base64'),
    OPENHOOKS_ISSUER: CLUSTER_ISSUER,
    OPENHOOKS_ADMIN_CLIENT_ID: CLUSTER_ADMIN_CLIENT_ID,
    OPENHOOKS_ADMIN_CLIENT_SECRET: CLUSTER_ADMIN_CLIENT_SECRET,
    OPENHOOKS_ADMIN_EMAIL: 'operator@example.test',
    OPENHOOKS_ADMIN_PASSWORD: 'cluster-operator-password-0123',
    // Two workers per node at most: three nodes share the machine with the rest of the tests.
    OPENHOOKS_SANDBOX_WORKERS: '1',
    OPENHOOKS_SANDBOX_TOKEN_WORKERS: '1',
    ...options.env,
  }
  const nodes: ClusterNode[] = []
  const dirs: string[] = []
  const addNode = async (extra: Record<string, string> = {}): Promise<ClusterNode> => {
    const name = String.fromCharCode('A'.charCodeAt(0) + nodes.length + dirs.length)
    const dataDir = mkdtempSync(join(tmpdir(), `openhooks-node-${name}-`))
    dirs.push(dataDir)
    const server = await spawnServer({ ...env, ...extra, OPENHOOKS_DATA_DIR: dataDir })
    const node = clusterNode(name, dataDir, server)
    nodes.push(node)
    return node
  }
  const stop = async (): Promise<void> => {
    for (const node of nodes) node.kill('SIGKILL')
    await Promise.all(nodes.map((node) => node.server.exited))
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
    await database.drop()
  }
  const count = options.nodes ?? 3
  try {
    if (count > 0) await addNode(options.nodeEnv?.[0])
    await Promise.all(
      Array.from({ length: count - 1 }, (_, i) => addNode(options.nodeEnv?.[i + 1])),
    )
  } catch (error) {
    await stop()
    throw error
  }
  return { database, env, nodes, addNode, stop }
}

function clusterNode(name: string, dataDir: string, server: RunningServer): ClusterNode {
  let token: Promise<string> | undefined
  const getToken = (): Promise<string> => {
    token ??= managementToken(server, {
      id: CLUSTER_ADMIN_CLIENT_ID,
      secret: CLUSTER_ADMIN_CLIENT_SECRET,
      issuer: CLUSTER_ISSUER,
    })
    return token
  }
  return {
    name,
    dataDir,
    server,
    url: server.url,
    token: getToken,
    async api(method, path, body) {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${await getToken()}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : undefined),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : undefined),
      })
      const text = await res.text()
      return {
        status: res.status,
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
        headers: res.headers,
      }
    },
    async exchange(audience = `${CLUSTER_ISSUER}api/v2/`) {
      const res = await fetch(`${server.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'client_credentials',
          client_id: CLUSTER_ADMIN_CLIENT_ID,
          client_secret: CLUSTER_ADMIN_CLIENT_SECRET,
          audience,
        }),
      })
      return { status: res.status, body: (await res.json()) as Record<string, unknown> }
    },
    kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (server.child.exitCode === null) server.child.kill(signal)
    },
  }
}
