/**
 * Issue 9: the time to save a hook that declares two npm dependencies (`lodash` and `uuid`, exact
 * versions), through the Management API of a real `openhooks serve` process, with a fresh cache
 * and with cached bundles. Run with `BENCH_ONLY=deps npm run bench:runtime`; it is not part of
 * the default run because it needs the npm registry (the one npm is configured with).
 *
 * Each run starts from an empty data folder and an empty npm cache (`npm_config_cache`), so the
 * fresh figure includes downloading, installing, checking and bundling. Then the same
 * dependencies are saved again by the same process (bundles in memory), and once more after a
 * restart on the same data folder (bundles read from the disk cache). A hook without
 * dependencies gives the floor of a save. Medians of {@link DEPS_RUNS} runs.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { managementToken, spawnServer, type RunningServer } from '../test/helpers/spawn-server.js'

/** Fresh-cache runs; each costs a full npm install, so few. */
export const DEPS_RUNS = 3

const DEPENDENCIES = { lodash: '4.17.21', uuid: '9.0.1' }
const CLIENT_ID = 'bench-deps-client'
const CLIENT_SECRET = 'bench-deps-secret-0123456789abcdef'
const ISSUER = 'http://openhooks.bench/'
const SCRIPT = `module.exports = function (client, scope, audience, context, cb) {
  var _ = require('lodash'); var uuid = require('uuid')
  cb(null, { id: uuid.v4(), n: _.sum([1, 2]) })
}`

async function start(dataDir: string, npmCache: string): Promise<RunningServer> {
  return spawnServer({
    OPENHOOKS_DATA_DIR: dataDir,
    OPENHOOKS_ADMIN_CLIENT_ID: CLIENT_ID,
    OPENHOOKS_ADMIN_CLIENT_SECRET: CLIENT_SECRET,
    OPENHOOKS_ISSUER: ISSUER,
    OPENHOOKS_LOG_LEVEL: 'info',
    npm_config_cache: npmCache,
  })
}

async function stop(server: RunningServer): Promise<void> {
  server.child.kill('SIGTERM')
  await server.exited
}

async function tokenOf(server: RunningServer): Promise<string> {
  return managementToken(server, { id: CLIENT_ID, secret: CLIENT_SECRET, issuer: ISSUER })
}

/** Milliseconds of one `POST /api/v2/hooks`, checked to answer 201. */
async function timeSave(
  server: RunningServer,
  token: string,
  name: string,
  dependencies: Record<string, string>,
): Promise<number> {
  const started = performance.now()
  const res = await fetch(`${server.url}/api/v2/hooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    // Disabled: an enabled credentials-exchange hook would change the scopes of the next token.
    body: JSON.stringify({
      name,
      script: SCRIPT,
      triggerId: 'credentials-exchange',
      enabled: false,
      dependencies,
    }),
  })
  const body = await res.text()
  const elapsed = performance.now() - started
  if (res.status !== 201) throw new Error(`save ${name}: ${res.status} ${body}`)
  return elapsed
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? 0)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

export async function dependenciesCase(): Promise<void> {
  const fresh: number[] = []
  const sameProcess: number[] = []
  const afterRestart: number[] = []
  const none: number[] = []
  console.log(
    `\n## saving a hook with two dependencies (${Object.entries(DEPENDENCIES)
      .map(([n, v]) => `${n}@${v}`)
      .join(', ')}), ${DEPS_RUNS} runs`,
  )
  console.log(
    `(needs the npm registry; load average ${loadavg()[0]?.toFixed(2)} at start; each run: empty data folder and npm cache)`,
  )
  for (let run = 0; run < DEPS_RUNS; run++) {
    const dir = mkdtempSync(join(tmpdir(), 'openhooks-bench-deps-'))
    const dataDir = join(dir, 'data')
    const npmCache = join(dir, 'npm-cache')
    try {
      const first = await start(dataDir, npmCache)
      try {
        const token = await tokenOf(first)
        fresh.push(await timeSave(first, token, `fresh-${run}`, DEPENDENCIES))
        sameProcess.push(await timeSave(first, token, `again-${run}`, DEPENDENCIES))
      } finally {
        await stop(first)
      }
      const second = await start(dataDir, npmCache)
      try {
        const token = await tokenOf(second)
        afterRestart.push(await timeSave(second, token, `restart-${run}`, DEPENDENCIES))
        none.push(await timeSave(second, token, `none-${run}`, {}))
      } finally {
        await stop(second)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  const ms = (values: readonly number[]) =>
    `${median(values).toFixed(0)} ms (runs: ${values.map((v) => v.toFixed(0)).join(', ')})`
  console.log('save | median')
  console.log('--- | ---')
  console.log(`fresh cache (download, install, check, bundle) | ${ms(fresh)}`)
  console.log(`cached, same process (bundles in memory) | ${ms(sameProcess)}`)
  console.log(`cached, after a restart (bundles from the disk cache) | ${ms(afterRestart)}`)
  console.log(`no dependencies (floor of a save) | ${ms(none)}`)
}
