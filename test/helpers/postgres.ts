/**
 * A real PostgreSQL server for tests. `OPENHOOKS_TEST_DATABASE_URL` points at one (the test runner
 * sets it after starting a throwaway cluster once for the whole run); without it, the first caller
 * in a process starts its own cluster (Debian's `postgresql`: `initdb` into a temporary folder, a
 * free loopback port), stopped when the process exits. Each store gets a database of its own.
 *
 * Where PostgreSQL is not installed, `postgresUnavailable()` says why, and the PostgreSQL tests
 * skip with that line — except under `CI=true`, where they fail instead.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

/** Longest wait for a fresh cluster to accept connections, in milliseconds (generous: busy CI). */
const POSTGRES_START_TIMEOUT_MS = 60_000
/** Pause between readiness probes, in milliseconds. */
const POSTGRES_PROBE_INTERVAL_MS = 100

const INSTALL_HINT =
  'PostgreSQL tests skipped: PostgreSQL is not installed (apt-get install -y postgresql), ' +
  'or set OPENHOOKS_TEST_DATABASE_URL to a server the tests may create databases on'

/** Where Debian (or PATH) keeps the server binaries, or undefined. */
export function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql'
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a))
    if (versions[0] !== undefined) return join(root, versions[0], 'bin')
  }
  try {
    const initdb = execFileSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).trim()
    if (initdb !== '') return initdb.slice(0, -'/initdb'.length)
  } catch {
    // not on PATH
  }
  return undefined
}

/** Why the PostgreSQL tests cannot run here, or undefined when they can. Throws under CI. */
export function postgresUnavailable(): string | undefined {
  if (process.env.OPENHOOKS_TEST_DATABASE_URL !== undefined) return undefined
  if (findPostgresBin() !== undefined) return undefined
  if (process.env.CI === 'true') {
    throw new Error('PostgreSQL is required under CI=true: .ci/run installs it')
  }
  return INSTALL_HINT
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port)
        else reject(new Error('no port'))
      })
    })
  })
}

export interface PostgresCluster {
  /** A URL of the cluster's `postgres` database, as its superuser. */
  readonly url: string
  /** The server's data folder (its `postmaster.pid` names the server's process). */
  readonly dataDir: string
  stop(): Promise<void>
  /** Lets the process exit while the server runs. */
  detach(): void
  /** Signals a fast shutdown without waiting (for `process.on('exit')`). */
  kill(): void
  /**
   * Stops the server (fast shutdown: open connections are cut), waits `downMs`, and starts it
   * again on the same folder and port; resolves once it accepts connections again.
   */
  restart(downMs?: number): Promise<void>
}

/** `initdb` refuses root: run the server binaries as the `postgres` user then. */
function asServerUser(bin: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0
    ? ['runuser', ['-u', 'postgres', '--', bin, ...args]]
    : [bin, args]
}

/**
 * Starts a throwaway cluster: a temporary folder, a free loopback port, no durability (tests);
 * `durable` keeps PostgreSQL's defaults (`fsync`, `synchronous_commit`, `full_page_writes` on),
 * for benchmarks that compare it with SQLite's `synchronous=FULL`. `settings` adds server settings
 * (`name=value`, for benchmarks: `shared_preload_libraries=pg_stat_statements`).
 */
export async function startPostgresCluster(
  options: { readonly durable?: boolean; readonly settings?: readonly string[] } = {},
): Promise<PostgresCluster> {
  const bin = findPostgresBin()
  if (bin === undefined) throw new Error(INSTALL_HINT)
  const dir = mkdtempSync(join(tmpdir(), 'openhooks-pg-'))
  chmodSync(dir, 0o777)
  const dataDir = join(dir, 'data')
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres', dir])
  const [initdb, initArgs] = asServerUser(join(bin, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '--encoding=UTF8',
    '--locale=C',
  ])
  execFileSync(initdb, initArgs, { stdio: 'ignore' })
  const port = await freePort()
  const [postgres, serverArgs] = asServerUser(join(bin, 'postgres'), [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    ...(options.durable === true
      ? []
      : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    '-c',
    'max_connections=400',
    ...(options.settings ?? []).flatMap((setting) => ['-c', setting]),
  ])
  let child: ChildProcess = spawn(postgres, serverArgs, { stdio: 'ignore' })
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`
  // The server's own pid (under `runuser` the child is only its parent): SIGINT is a fast shutdown.
  const signalServer = (): void => {
    try {
      const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
      if (pid > 0) process.kill(pid, 'SIGINT')
    } catch {
      child.kill('SIGINT')
    }
  }
  const halt = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      signalServer()
      await exited
    }
  }
  const stop = async (): Promise<void> => {
    await halt()
    rmSync(dir, { recursive: true, force: true })
  }
  const waitReady = async (): Promise<void> => {
    const deadline = Date.now() + POSTGRES_START_TIMEOUT_MS
    for (;;) {
      const client = new pg.Client({ connectionString: url })
      try {
        await client.connect()
        await client.end()
        return
      } catch (error) {
        await client.end().catch(() => {})
        if (child.exitCode !== null || Date.now() > deadline) {
          await stop()
          throw new Error(`PostgreSQL did not start on port ${port}`, { cause: error })
        }
        await new Promise((resolve) => setTimeout(resolve, POSTGRES_PROBE_INTERVAL_MS))
      }
    }
  }
  await waitReady()
  return {
    url,
    dataDir,
    stop,
    detach: () => child.unref(),
    kill: signalServer,
    async restart(downMs = 0) {
      await halt()
      await new Promise((resolve) => setTimeout(resolve, downMs))
      child = spawn(postgres, serverArgs, { stdio: 'ignore' })
      await waitReady()
    },
  }
}

let processCluster: Promise<PostgresCluster> | undefined

/** The server of this test run: the runner's, or one started for this process. */
async function serverUrl(): Promise<string> {
  const fromEnv = process.env.OPENHOOKS_TEST_DATABASE_URL
  if (fromEnv !== undefined) return fromEnv
  if (processCluster === undefined) {
    processCluster = startPostgresCluster()
    const cluster = await processCluster
    // The server must not keep the test process alive; it is stopped when the process exits
    // (fast shutdown, signalled synchronously), and its folder is temporary either way.
    cluster.detach()
    process.once('exit', () => cluster.kill())
  }
  return (await processCluster).url
}

export interface TestDatabase {
  readonly url: string
  drop(): Promise<void>
}

/** A new, empty database on the test server; `drop()` removes it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = new URL(await serverUrl())
  const name = `openhooks_test_${randomBytes(6).toString('hex')}`
  const client = new pg.Client({ connectionString: admin.href })
  await client.connect()
  try {
    await client.query(`create database ${name}`)
  } finally {
    await client.end()
  }
  const url = new URL(admin.href)
  url.pathname = `/${name}`
  return {
    url: url.href,
    async drop() {
      const dropper = new pg.Client({ connectionString: admin.href })
      await dropper.connect()
      try {
        await dropper.query(`drop database if exists ${name} with (force)`)
      } finally {
        await dropper.end()
      }
    },
  }
}
