/**
 * Scenario 6, the Management API: list 10,000 hooks by pages of 100, one page at a time; then
 * create and update hooks under concurrent load, alternating. The rate limit is off
 * (`OPENHOOKS_RATE_LIMIT_ENABLED=false`), as the issue asks, so the figures are the server's.
 */
import { TWO_CLAIMS_HOOK, numberedHook } from '../lib/hooks.js'
import { alternate, httpOk, loadSlice, mergeSlices } from '../lib/load.js'
import { startAppServer } from '../lib/processes.js'
import { byProfile, type Scenario } from '../lib/scenario.js'
import { summarize, target, type VariantResult } from '../lib/stats.js'

const SETTINGS = {
  smoke: {
    hooks: 300,
    listPasses: 1,
    connections: 2,
    warmup: { amount: 5 },
    slice: { amount: 10 },
    rounds: 1,
  },
  quick: {
    hooks: 10_000,
    listPasses: 2,
    connections: 8,
    warmup: { durationS: 1 },
    slice: { durationS: 2 },
    rounds: 2,
  },
  full: {
    hooks: 10_000,
    listPasses: 3,
    connections: 8,
    warmup: { durationS: 2 },
    slice: { durationS: 5 },
    rounds: 4,
  },
} as const

export const PAGE_SIZE = 100
const VARIANTS = ['create (POST /api/v2/hooks)', 'update (PATCH /api/v2/hooks/{id})'] as const

export const managementScenario: Scenario = {
  id: 'management',
  title: 'Management API: list 10,000 hooks by pages of 100; create and update throughput',
  async run({ profile, log }) {
    const s = byProfile(profile, SETTINGS)
    const server = await startAppServer([
      // Every bench server runs with OPENHOOKS_RATE_LIMIT_ENABLED=false (bench/lib/app-server.ts).
      { name: 'app', runner: 'none' },
    ])
    try {
      const app = server.apps.app
      if (app === undefined) throw new Error('no app')
      log(`management: seeding ${String(s.hooks)} hooks`)
      const ids = await server.seedHooks(
        'app',
        'listed',
        'credentials-exchange',
        Array.from({ length: s.hooks }, (_, i) => numberedHook(i)),
      )
      const pages = Math.ceil(s.hooks / PAGE_SIZE)
      const listPage = (page: number) =>
        httpOk(
          app.url,
          'GET',
          `/api/v2/hooks?per_page=${String(PAGE_SIZE)}&page=${String(page)}&include_totals=true`,
          {
            token: app.token,
          },
        )
      // Warm-up pass over a tenth of the pages.
      for (let page = 0; page < Math.max(1, pages / 10); page++) await listPage(page)
      const list: number[] = []
      for (let p = 0; p < s.listPasses; p++) {
        for (let page = 0; page < pages; page++) {
          const answer = await listPage(page)
          const body = answer.body as { hooks: unknown[]; total: number }
          if (
            body.hooks.length !== Math.min(PAGE_SIZE, s.hooks - page * PAGE_SIZE) ||
            body.total !== s.hooks
          ) {
            throw new Error(
              `page ${String(page)}: ${String(body.hooks.length)} hooks of ${String(body.total)}`,
            )
          }
          list.push(answer.ms)
        }
      }

      const run = Date.now().toString(36)
      // One sequence across slices: every created hook has a new name, every update a new script.
      let sequence = 0
      log(`management: create and update, ${String(s.rounds)} rounds`)
      const slices = await alternate(VARIANTS, s.rounds, (variant, warmup) =>
        variant === VARIANTS[0]
          ? loadSlice({
              url: app.url,
              method: 'POST',
              path: '/api/v2/hooks',
              headers: { authorization: `Bearer ${app.token}` },
              body: () =>
                JSON.stringify({
                  name: `created-${run}-${String(sequence++)}`,
                  script: TWO_CLAIMS_HOOK,
                  triggerId: 'credentials-exchange',
                  enabled: false,
                }),
              connections: s.connections,
              expectStatus: 201,
              ...(warmup ? s.warmup : s.slice),
            })
          : loadSlice({
              url: app.url,
              method: 'PATCH',
              path: '/api/v2/hooks/x',
              pathFor: (n) => `/api/v2/hooks/${ids[n % ids.length] ?? ''}`,
              headers: { authorization: `Bearer ${app.token}` },
              body: () =>
                JSON.stringify({ script: `// update ${String(sequence++)}\n${TWO_CLAIMS_HOOK}` }),
              connections: s.connections,
              expectStatus: 200,
              ...(warmup ? s.warmup : s.slice),
            }),
      )
      const variants: VariantResult[] = [
        {
          name: `list, page of ${String(PAGE_SIZE)} of ${s.hooks.toLocaleString('en-US')}`,
          samples: list,
          errors: 0,
        },
        ...VARIANTS.map((name) => ({ name, ...mergeSlices(slices[name]) })),
      ]
      const l = summarize(list)
      return {
        id: 'management',
        title: this.title,
        unit: `one request over HTTP (list: one at a time; create and update: ${String(s.connections)} connections)`,
        variants,
        ratios: [
          {
            label: 'req/s, update / create',
            value: (variants[2]?.perSecond ?? Number.NaN) / (variants[1]?.perSecond ?? Number.NaN),
          },
        ],
        targets: [
          target(
            `list of ${s.hooks.toLocaleString('en-US')} hooks, p50 per page of ${String(PAGE_SIZE)} ≤ 10 ms`,
            l.p50,
            '<=',
            10,
            'ms',
          ),
        ],
        notes: [
          `${String(s.listPasses)} passes over all ${String(pages)} pages; rate limit off (OPENHOOKS_RATE_LIMIT_ENABLED=false); SQLite on disk (WAL), as \`openhooks serve\` runs it.`,
        ],
      }
    } finally {
      await server.close()
    }
  },
}
