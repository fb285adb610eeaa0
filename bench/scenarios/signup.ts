/**
 * Scenario 3, signup: `/dbconnections/signup` without hooks and with a `pre-user-registration` and
 * a `post-user-registration` hook, alternating, each request with a new e-mail address. The scrypt
 * password hash is also timed alone, with the same concurrency, to show how much of a signup it is.
 */
import { hashPassword } from '../../src/directory/passwords.js'
import { POST_REGISTRATION_HOOK, PRE_REGISTRATION_HOOK } from '../lib/hooks.js'
import { alternate, httpOk, loadSlice, mergeSlices } from '../lib/load.js'
import { startAppServer, type AppEndpoint } from '../lib/processes.js'
import { byProfile, type Scenario } from '../lib/scenario.js'
import { createHook } from '../lib/setup.js'
import { elapsedMs, summarize, type VariantResult } from '../lib/stats.js'

const SETTINGS = {
  smoke: { connections: 2, warmup: { amount: 2 }, slice: { amount: 2 }, rounds: 1, hashes: 2 },
  quick: {
    connections: 4,
    warmup: { durationS: 1 },
    slice: { durationS: 2 },
    rounds: 2,
    hashes: 40,
  },
  full: {
    connections: 4,
    warmup: { durationS: 2 },
    slice: { durationS: 5 },
    rounds: 5,
    hashes: 100,
  },
} as const

const VARIANTS = ['no hooks', 'pre- and post-user-registration hooks'] as const
const CONNECTION = 'Username-Password-Authentication'
/** Passes the default password policy. */
const PASSWORD = 'Zq8-Bench-Pa55word!'

async function signupClient(app: AppEndpoint): Promise<string> {
  const answer = await httpOk(app.url, 'POST', '/api/v2/clients', {
    token: app.token,
    body: { name: 'bench signup' },
  })
  return (answer.body as { client_id: string }).client_id
}

/** `hashPassword` alone, `concurrency` at a time (the server's libuv pool runs four by default). */
async function timeHashes(
  count: number,
  concurrency: number,
): Promise<{ samples: number[]; perSecond: number }> {
  const samples: number[] = []
  let next = 0
  const started = process.hrtime.bigint()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++
        const start = process.hrtime.bigint()
        await hashPassword(PASSWORD)
        samples.push(elapsedMs(start))
      }
    }),
  )
  return { samples, perSecond: count / (elapsedMs(started) / 1000) }
}

export const signupScenario: Scenario = {
  id: 'signup',
  title: 'Signup: without hooks, with pre- and post-user-registration hooks, the hash alone',
  async run({ profile, log }) {
    const s = byProfile(profile, SETTINGS)
    const server = await startAppServer([
      { name: VARIANTS[0], runner: 'none' },
      { name: VARIANTS[1], runner: 'sandbox' },
    ])
    const run = String(Date.now())
    // One sequence across slices: every signup of the run has a new address.
    let sequence = 0
    try {
      const clients: Record<string, string> = {}
      for (const variant of VARIANTS) {
        const app = server.apps[variant]
        if (app === undefined) throw new Error(variant)
        clients[variant] = await signupClient(app)
      }
      const hooked = server.apps[VARIANTS[1]]
      if (hooked === undefined) throw new Error(VARIANTS[1])
      await createHook(hooked, 'pre-user-registration', PRE_REGISTRATION_HOOK)
      await createHook(hooked, 'post-user-registration', POST_REGISTRATION_HOOK)
      log(`signup: ${String(s.rounds)} rounds`)
      const slices = await alternate(VARIANTS, s.rounds, (variant, warmup) =>
        loadSlice({
          url: server.apps[variant]?.url ?? '',
          method: 'POST',
          path: '/dbconnections/signup',
          body: () =>
            JSON.stringify({
              client_id: clients[variant],
              connection: CONNECTION,
              email: `bench-${run}-${String(sequence++)}@example.com`,
              password: PASSWORD,
            }),
          connections: s.connections,
          expectStatus: 200,
          ...(warmup ? s.warmup : s.slice),
        }),
      )
      const variants: VariantResult[] = VARIANTS.map((name) => ({
        name,
        ...mergeSlices(slices[name]),
      }))
      const hashes = await timeHashes(s.hashes, s.connections)
      variants.push({ name: 'scrypt hash alone (in this process)', ...hashes, errors: 0 })
      const [plain, withHooks, hash] = variants.map((v) => summarize(v.samples)) as [
        ReturnType<typeof summarize>,
        ReturnType<typeof summarize>,
        ReturnType<typeof summarize>,
      ]
      const rate = (i: number): number => variants[i]?.perSecond ?? Number.NaN
      return {
        id: 'signup',
        title: this.title,
        unit: `one signup over HTTP (${String(s.connections)} connections); the hash: one hashPassword call, ${String(s.connections)} at a time`,
        variants,
        ratios: [
          { label: 'p50, hooks / no hooks', value: withHooks.p50 / plain.p50 },
          { label: 'req/s, hooks / no hooks', value: rate(1) / rate(0) },
          {
            label: 'share of the signup p50 that is the hash p50 (no hooks)',
            value: hash.p50 / plain.p50,
          },
          { label: 'req/s of signups without hooks / hashes per second', value: rate(0) / rate(2) },
        ],
        targets: [],
        notes: [
          `The hash is scrypt with N = 2^15, r = 8 (src/directory/passwords.ts), on the libuv thread pool; with ${String(s.connections)} signups in flight, throughput is bounded by how many hashes the cores compute per second.`,
          `p50 added by the two hooks: ${(withHooks.p50 - plain.p50).toFixed(2)} ms; the post hook runs after the response, so only its CPU competes with later requests.`,
        ],
      }
    } finally {
      await server.close()
    }
  },
}
