/**
 * Scenario 1, the token endpoint: `/oauth/token` (client credentials) with no hook, with an enabled
 * `credentials-exchange` hook that adds two claims (the isolate sandbox), and with the same logic
 * as a webhook on loopback (bench/lib/webhook-runner.ts), alternating under concurrent load. Then
 * the hook call alone, both ways, one call at a time.
 */
import { pino } from 'pino'
import { startProcessRunner } from '../../src/sandbox/process-runner.js'
import type { HookRunner, RunRequest } from '../../src/sandbox/runner.js'
import { CREDENTIALS_EXCHANGE_TEST_PAYLOAD, TWO_CLAIMS_HOOK } from '../lib/hooks.js'
import { alternate, mergeSlices, tokenSlice } from '../lib/load.js'
import { startAppServer, startWebhookServer } from '../lib/processes.js'
import { byProfile, type Scenario } from '../lib/scenario.js'
import { createHook, createMachineClient, tokenRequestBody } from '../lib/setup.js'
import { elapsedMs, summarize, target, type VariantResult } from '../lib/stats.js'
import { createWebhookRunner } from '../lib/webhook-runner.js'

const SETTINGS = {
  smoke: { connections: 2, warmup: { amount: 10 }, slice: { amount: 20 }, rounds: 1, calls: 20 },
  quick: {
    connections: 8,
    warmup: { durationS: 1 },
    slice: { durationS: 2 },
    rounds: 3,
    calls: 500,
  },
  full: {
    connections: 8,
    warmup: { durationS: 3 },
    slice: { durationS: 5 },
    rounds: 6,
    calls: 3_000,
  },
} as const

/** The in-process hook on SQLite with `synchronous=NORMAL` instead of the default FULL. */
const SYNC_NORMAL = 'in-process hook, SQLite synchronous=normal'
const VARIANTS = ['no hook', 'in-process hook', 'webhook', SYNC_NORMAL] as const
type Variant = (typeof VARIANTS)[number]

/** The hook call the flow makes, as the runner receives it (arguments of the trigger). */
function hookCall(): RunRequest {
  const p = CREDENTIALS_EXCHANGE_TEST_PAYLOAD
  return {
    hookId: 'bench-call',
    versionKey: 'v1',
    script: TWO_CLAIMS_HOOK,
    injectedClasses: [],
    args: [p.client, p.scope, p.audience, { webtask: { secrets: {} } }],
  }
}

async function timeCalls(runner: HookRunner, calls: number, into: number[]): Promise<void> {
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint()
    const outcome = await runner.run(hookCall())
    into.push(elapsedMs(start))
    if (outcome.kind !== 'ok') throw new Error(`hook call failed: ${JSON.stringify(outcome)}`)
  }
}

export const tokenScenario: Scenario = {
  id: 'token',
  title: 'Token endpoint: no hook, in-process hook, webhook',
  async run({ profile, log }) {
    const settings = byProfile(profile, SETTINGS)
    const webhook = await startWebhookServer()
    // A server that does not start must not leave the webhook server running: its IPC channel
    // would keep this process (and a test file running the bench) alive for ever.
    const server = await startAppServer([
      { name: 'no hook', runner: 'none' },
      { name: 'in-process hook', runner: 'sandbox' },
      { name: 'webhook', runner: { webhook: webhook.url } },
      { name: SYNC_NORMAL, runner: 'sandbox', env: { OPENHOOKS_SQLITE_SYNCHRONOUS: 'normal' } },
    ]).catch(async (error: unknown) => {
      await webhook.close()
      throw error
    })
    try {
      const bodies = {} as Record<Variant, string>
      for (const variant of VARIANTS) {
        const app = server.apps[variant]
        if (app === undefined) throw new Error(`no app ${variant}`)
        bodies[variant] = tokenRequestBody(await createMachineClient(app))
        if (variant !== 'no hook') await createHook(app, 'credentials-exchange', TWO_CLAIMS_HOOK)
      }
      log(`token: ${String(settings.rounds)} rounds × ${VARIANTS.length} variants`)
      const slices = await alternate(VARIANTS, settings.rounds, (variant, warmup) =>
        tokenSlice({
          url: server.apps[variant]?.url ?? '',
          body: bodies[variant],
          connections: settings.connections,
          ...(warmup ? settings.warmup : settings.slice),
        }),
      )
      const variants: VariantResult[] = VARIANTS.map((name) => ({
        name,
        ...mergeSlices(slices[name]),
      }))

      // The hook call alone, one at a time: the isolate runner against the webhook runner.
      const logger = pino({ level: 'silent' })
      const isolate = await startProcessRunner({ logger, poolSize: 1 })
      const overHttp = createWebhookRunner(webhook.url)
      const isolateCalls: number[] = []
      const webhookCalls: number[] = []
      try {
        await timeCalls(isolate, settings.calls, [])
        await timeCalls(overHttp, settings.calls, [])
        const perRound = Math.max(1, Math.floor(settings.calls / 5))
        for (let round = 0; round < 5; round++) {
          await timeCalls(isolate, perRound, isolateCalls)
          await timeCalls(overHttp, perRound, webhookCalls)
        }
      } finally {
        await isolate.close()
        await overHttp.close()
      }
      variants.push(
        { name: 'hook call alone: isolate runner', samples: isolateCalls, errors: 0 },
        { name: 'hook call alone: webhook runner', samples: webhookCalls, errors: 0 },
      )

      const [none, hook, hooked, hookNormal] = VARIANTS.map((name) => {
        const found = variants.find((v) => v.name === name)
        if (found === undefined) throw new Error(name)
        return { ...found, summary: summarize(found.samples) }
      }) as [V, V, V, V]
      type V = VariantResult & { summary: ReturnType<typeof summarize> }
      const addedHook = hook.summary.p50 - none.summary.p50
      const addedWebhook = hooked.summary.p50 - none.summary.p50
      const callIsolate = summarize(isolateCalls).p50
      const callWebhook = summarize(webhookCalls).p50
      return {
        id: 'token',
        title: this.title,
        unit: 'one token request over HTTP (the last two rows: one hook call)',
        variants,
        ratios: [
          {
            label: 'req/s, in-process hook / no hook',
            value: (hook.perSecond ?? 0) / (none.perSecond ?? 1),
          },
          { label: 'p99, in-process hook / no hook', value: hook.summary.p99 / none.summary.p99 },
          {
            label: 'req/s, webhook / no hook',
            value: (hooked.perSecond ?? 0) / (none.perSecond ?? 1),
          },
          {
            label: 'p50, webhook / in-process hook (whole request)',
            value: hooked.summary.p50 / hook.summary.p50,
          },
          {
            label: 'p50 added to the request, webhook / in-process hook',
            value: addedWebhook / addedHook,
          },
          {
            label: 'p50 of the hook call alone, webhook / isolate',
            value: callWebhook / callIsolate,
          },
          {
            label: 'req/s, in-process hook: SQLite synchronous=full / normal',
            value: (hook.perSecond ?? 0) / (hookNormal.perSecond ?? 1),
          },
          {
            label: 'p50, in-process hook: SQLite synchronous=full / normal',
            value: hook.summary.p50 / hookNormal.summary.p50,
          },
        ],
        targets: [
          target(
            'throughput with a hook ≥ 0.85× without',
            (hook.perSecond ?? 0) / (none.perSecond ?? 1),
            '>=',
            0.85,
            '×',
          ),
          target(
            'p99 with a hook ≤ 1.3× without',
            hook.summary.p99 / none.summary.p99,
            '<=',
            1.3,
            '×',
          ),
          target(
            'in-process hook ≥ 3× faster than the webhook (p50 added to the request)',
            addedWebhook / addedHook,
            '>=',
            3,
            '×',
          ),
        ],
        notes: [
          `${String(settings.connections)} connections; ${String(settings.rounds)} alternating rounds of ${'durationS' in settings.slice ? `${String(settings.slice.durationS)} s` : `${String(settings.slice.amount)} requests`} per variant after a warm-up.`,
          `p50 added to the request over no hook: in-process hook ${addedHook.toFixed(3)} ms, webhook ${addedWebhook.toFixed(3)} ms.`,
          'Every exchange writes its tenant log event: with synchronous=full (the default) each commit is flushed to disk before the answer; the synchronous=normal variant shows what that costs.',
          'The webhook server is a plain node:http server in its own process; openhooks calls it with a keep-alive agent, through the same HookRunner interface, so the flow code is unchanged.',
        ],
      }
    } finally {
      await server.close()
      await webhook.close()
    }
  },
}
