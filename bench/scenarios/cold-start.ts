/**
 * Scenario 4, cold start: update a hook (PATCH, a new script), then time its first invocation
 * through the test endpoint — a new isolate compiles the script — and a second one, warm. The
 * difference is the cold start itself; both include the HTTP request and the Management API's work.
 */
import { CREDENTIALS_EXCHANGE_TEST_PAYLOAD, TWO_CLAIMS_HOOK } from '../lib/hooks.js'
import { httpOk } from '../lib/load.js'
import { startAppServer } from '../lib/processes.js'
import { byProfile, type Scenario } from '../lib/scenario.js'
import { createHook } from '../lib/setup.js'
import { summarize, target } from '../lib/stats.js'

const SETTINGS = { smoke: { updates: 3 }, quick: { updates: 30 }, full: { updates: 30 } } as const

export const coldStartScenario: Scenario = {
  id: 'cold-start',
  title: 'Cold start: the first call after an update',
  async run({ profile, log }) {
    const { updates } = byProfile(profile, SETTINGS)
    const server = await startAppServer([{ name: 'app', runner: 'sandbox' }])
    try {
      const app = server.apps.app
      if (app === undefined) throw new Error('no app')
      const id = await createHook(app, 'credentials-exchange', TWO_CLAIMS_HOOK)
      const test = (): Promise<{ ms: number; body: unknown }> =>
        httpOk(app.url, 'POST', `/api/v2/hooks/${id}/test`, {
          token: app.token,
          body: { payload: CREDENTIALS_EXCHANGE_TEST_PAYLOAD },
          status: 200,
        })
      // Warm-up: the worker, the HTTP connection and the routes.
      for (let i = 0; i < 5; i++) await test()
      const cold: number[] = []
      const warm: number[] = []
      const patch: number[] = []
      log(`cold-start: ${String(updates)} updates`)
      for (let i = 0; i < updates; i++) {
        const updated = await httpOk(app.url, 'PATCH', `/api/v2/hooks/${id}`, {
          token: app.token,
          body: { script: `// update ${String(i)}\n${TWO_CLAIMS_HOOK}` },
        })
        patch.push(updated.ms)
        const first = await test()
        if ((first.body as { status?: string }).status !== 'success') {
          throw new Error(`cold call failed: ${JSON.stringify(first.body)}`)
        }
        cold.push(first.ms)
        warm.push((await test()).ms)
      }
      const c = summarize(cold)
      const w = summarize(warm)
      return {
        id: 'cold-start',
        title: this.title,
        unit: 'one request to POST /api/v2/hooks/{id}/test (or the PATCH), one at a time',
        variants: [
          { name: 'first call after the update (cold)', samples: cold, errors: 0 },
          { name: 'second call (warm)', samples: warm, errors: 0 },
          { name: 'the update itself (PATCH)', samples: patch, errors: 0 },
        ],
        ratios: [{ label: 'p50, cold / warm', value: c.p50 / w.p50 }],
        targets: [target('cold start p50 ≤ 15 ms', c.p50, '<=', 15, 'ms')],
        notes: [
          `${String(updates)} updates. The cold start alone (cold p50 − warm p50) is ${(c.p50 - w.p50).toFixed(2)} ms: a new isolate, the prelude, compiling the script.`,
        ],
      }
    } finally {
      await server.close()
    }
  },
}
