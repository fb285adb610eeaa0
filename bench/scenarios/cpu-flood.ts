/**
 * Scenario 7, a CPU-bound hook under a flood (issue 17, finding 6): `/oauth/token` with its
 * `credentials-exchange` hook, idle and while anonymous signups keep a `pre-user-registration`
 * hook that burns a second of CPU per call busy. Two apps side by side: the token hook in the one
 * shared worker (as before issue 17), and in a worker of its own (the server's default,
 * OPENHOOKS_SANDBOX_TOKEN_WORKERS = 1). The target: p99 flooded within 3× of p99 idle.
 */
import { TWO_CLAIMS_HOOK } from '../lib/hooks.js'
import { loadSlice, mergeSlices, tokenSlice, type LoadSlice } from '../lib/load.js'
import { startAppServer, type AppEndpoint } from '../lib/processes.js'
import { byProfile, type Scenario } from '../lib/scenario.js'
import { createHook, createMachineClient, tokenRequestBody } from '../lib/setup.js'
import { summarize, target, type VariantResult } from '../lib/stats.js'

const SETTINGS = {
  smoke: { tokens: { amount: 10 }, flood: { amount: 4 }, floodConnections: 2, headStartMs: 200 },
  quick: {
    tokens: { durationS: 6 },
    flood: { durationS: 9 },
    floodConnections: 8,
    headStartMs: 2_000,
  },
  full: {
    tokens: { durationS: 15 },
    flood: { durationS: 19 },
    floodConnections: 8,
    headStartMs: 3_000,
  },
} as const

/** A second of CPU per call, in one synchronous entry (under the 5 s entry limit). */
const BURN_HOOK = `module.exports = function (user, context, cb) {
  var end = Date.now() + 1000
  while (Date.now() < end) {}
  cb(null, {})
}`

const APPS = ['token hook in the shared worker', 'token hook in its own worker'] as const
const CONNECTION = 'Username-Password-Authentication'
const PASSWORD = 'Zq8-Bench-Pa55word!'
/** Token requests at once: a client asking for tokens one after another, and a second one. */
const TOKEN_CONNECTIONS = 2

export const cpuFloodScenario: Scenario = {
  id: 'cpu-flood',
  title: 'A CPU-bound pre-user-registration hook under a signup flood: token latency',
  async run({ profile, log }) {
    const s = byProfile(profile, SETTINGS)
    const env = { OPENHOOKS_SIGNUP_RATE_LIMIT_PER_MINUTE: '0' }
    const server = await startAppServer([
      { name: APPS[0], runner: 'sandbox', tokenWorkers: 0, env },
      { name: APPS[1], runner: 'sandbox', tokenWorkers: 1, env },
    ])
    const run = String(Date.now())
    let sequence = 0
    try {
      const variants: VariantResult[] = []
      const floodErrors: Record<string, number> = {}
      for (const name of APPS) {
        const app = server.apps[name] as AppEndpoint
        const client = await createMachineClient(app)
        await createHook(app, 'credentials-exchange', TWO_CLAIMS_HOOK)
        await createHook(app, 'pre-user-registration', BURN_HOOK)
        const signupClient = (await (
          await fetch(`${app.url}/api/v2/clients`, {
            method: 'POST',
            headers: { authorization: `Bearer ${app.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ name: 'bench flood' }),
          })
        ).json()) as { client_id: string }
        const tokens = (): Promise<LoadSlice> =>
          tokenSlice({
            url: app.url,
            headers: { 'content-type': 'application/json' },
            body: tokenRequestBody(client),
            connections: TOKEN_CONNECTIONS,
            ...s.tokens,
          })
        log(`cpu-flood: ${name}, idle`)
        await tokens() // warm-up: the hook's isolate and the connection pool
        const idle = await tokens()
        log(`cpu-flood: ${name}, flooded`)
        const flood = loadSlice({
          url: app.url,
          method: 'POST',
          path: '/dbconnections/signup',
          headers: { 'content-type': 'application/json' },
          body: () =>
            JSON.stringify({
              client_id: signupClient.client_id,
              connection: CONNECTION,
              email: `flood-${run}-${String(sequence++)}@example.com`,
              password: PASSWORD,
            }),
          connections: s.floodConnections,
          expectStatus: 200,
          ...s.flood,
        })
        await new Promise((resolve) => setTimeout(resolve, s.headStartMs))
        const flooded = await tokens()
        const floodSlice = await flood
        floodErrors[name] = floodSlice.errors
        variants.push({ name: `${name}, idle`, ...mergeSlices([idle]) })
        variants.push({ name: `${name}, flooded`, ...mergeSlices([flooded]) })
      }
      const p99 = (i: number): number => summarize(variants[i]?.samples ?? []).p99
      const shared = p99(1) / p99(0)
      const own = p99(3) / p99(2)
      return {
        id: 'cpu-flood',
        title: this.title,
        unit: `one /oauth/token request with its credentials-exchange hook (${String(TOKEN_CONNECTIONS)} connections), while ${String(s.floodConnections)} connections send signups whose hook burns 1 s of CPU`,
        variants,
        ratios: [
          { label: 'p99 flooded / idle, token hook in the shared worker', value: shared },
          { label: 'p99 flooded / idle, token hook in its own worker', value: own },
        ],
        targets: [target('p99 flooded / idle, token hook in its own worker', own, '<=', 3, '×')],
        notes: [
          'Signups are limited per point (OPENHOOKS_SANDBOX_POINT_MAX_CONCURRENT, default 8 calls at the workers at once); the per-IP signup limit is off for the flood.',
          `Signups that did not answer 200 during the flood (timeouts or 429 at the point's share): ${APPS.map((name) => `${name}: ${String(floodErrors[name] ?? 0)}`).join('; ')}.`,
        ],
      }
    } finally {
      await server.close()
    }
  },
}
