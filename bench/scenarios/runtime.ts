/**
 * Scenario 2, the runtime: the cases of `npm run bench:runtime` (bench/runtime-cases.ts) — the
 * whole sandbox path, the function called directly, a reused `node:vm` context — alternating, plus
 * a new `node` process per call as the ceiling. The direct call is the floor.
 */
import { pino } from 'pino'
import { startProcessRunner } from '../../src/sandbox/process-runner.js'
import {
  coldCalls,
  compileDirect,
  compileVm,
  memoryPerIsolate,
  pipelined,
  processPerCall,
  timeSync,
  timeWorker,
} from '../runtime-cases.js'
import { byProfile, type Scenario } from '../lib/scenario.js'
import { summarize, target } from '../lib/stats.js'

const SETTINGS = {
  smoke: {
    warmup: 20,
    rounds: 2,
    perRound: 20,
    processCalls: 2,
    pipelined: 200,
    cold: 3,
    isolates: 5,
  },
  quick: {
    warmup: 1_000,
    rounds: 5,
    perRound: 500,
    processCalls: 10,
    pipelined: 5_000,
    cold: 20,
    isolates: 50,
  },
  full: {
    warmup: 2_000,
    rounds: 10,
    perRound: 1_000,
    processCalls: 30,
    pipelined: 20_000,
    cold: 40,
    isolates: 100,
  },
} as const

const MB = 2 ** 20
const toMs = (us: readonly number[]): number[] => us.map((x) => x / 1000)

export const runtimeScenario: Scenario = {
  id: 'runtime',
  title: 'Runtime: direct call (floor), node:vm, sandbox, process per call (ceiling)',
  async run({ profile, log }) {
    const s = byProfile(profile, SETTINGS)
    const logger = pino({ level: 'silent' })
    const runner = await startProcessRunner({ logger, poolSize: 1 })
    const direct = compileDirect()
    const inVm = compileVm()
    const sandbox: number[] = []
    const directUs: number[] = []
    const vmUs: number[] = []
    const spawned: number[] = []
    let throughput: number
    let cold: number[]
    try {
      await timeWorker(runner, [], s.warmup)
      timeSync(direct, [], s.warmup)
      timeSync(inVm, [], s.warmup)
      await processPerCall()
      log(`runtime: ${String(s.rounds)} rounds`)
      const perRoundSpawns = spawnsPerRound(s)
      for (let round = 0; round < s.rounds; round++) {
        await timeWorker(runner, sandbox, s.perRound)
        timeSync(direct, directUs, s.perRound)
        timeSync(inVm, vmUs, s.perRound)
        for (let i = 0; i < perRoundSpawns; i++) spawned.push(await processPerCall())
      }
      throughput = await pipelined(runner, s.pipelined)
      cold = await coldCalls(runner, s.cold)
    } finally {
      await runner.close()
    }
    const memoryRunner = await startProcessRunner({ logger, poolSize: 1 })
    const memory = await memoryPerIsolate(memoryRunner, s.isolates).finally(() =>
      memoryRunner.close(),
    )

    const p50 = (xs: readonly number[]): number => summarize(xs).p50
    const variants = [
      { name: 'direct call, in-process (floor)', samples: toMs(directUs), errors: 0 },
      { name: 'reused node:vm context', samples: toMs(vmUs), errors: 0 },
      { name: 'sandbox: worker process → isolate', samples: toMs(sandbox), errors: 0 },
      { name: 'sandbox, first call after a change', samples: toMs(cold), errors: 0 },
      { name: 'process per call (ceiling)', samples: toMs(spawned), errors: 0 },
    ]
    return {
      id: 'runtime',
      title: this.title,
      unit: 'one call of a 30-line credentials-exchange hook, one at a time',
      variants,
      ratios: [
        { label: 'p50, sandbox / direct', value: p50(sandbox) / p50(directUs) },
        { label: 'p50, sandbox / node:vm', value: p50(sandbox) / p50(vmUs) },
        { label: 'p50, process per call / sandbox', value: p50(spawned) / p50(sandbox) },
      ],
      targets: [
        target('sandbox warm p50 ≤ 150 µs (issue 3)', p50(sandbox) / 1000, '<=', 0.15, 'ms'),
        target(
          'sandbox ≥ 8,000 calls/s with 64 in flight (issue 3)',
          throughput,
          '>=',
          8_000,
          'calls/s',
        ),
        target(
          'resident memory per warm isolate ≤ 3 MB',
          memory.rssPerIsolateBytes / MB,
          '<=',
          3,
          'MB',
        ),
      ],
      notes: [
        `${String(s.rounds)} alternating rounds of ${String(s.perRound)} calls (process per call: ${String(spawnsPerRound(s))} per round); the direct and node:vm paths copy arguments and result through JSON, as the sandbox does.`,
        `Sandbox with 64 calls in flight on one worker: ${Math.round(throughput).toLocaleString('en-US')} calls/s.`,
        `Memory: ${String(memory.isolates)} more warm isolates moved the worker's RSS from ${(memory.rssBeforeBytes / MB).toFixed(1)} to ${(memory.rssAfterBytes / MB).toFixed(1)} MB: ${(memory.rssPerIsolateBytes / MB).toFixed(2)} MB per isolate (V8 heap ${(memory.heapPerIsolateBytes / MB).toFixed(2)} MB).`,
      ],
    }
  },
}

function spawnsPerRound(s: { processCalls: number; rounds: number }): number {
  return Math.max(1, Math.round(s.processCalls / s.rounds))
}
