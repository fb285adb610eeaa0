/**
 * `npm run bench [-- [--profile smoke|quick|full] [--out DIR] [scenario…]]`: runs the scenarios
 * (all by default), prints each one's table, ratios and targets, and writes results.json,
 * results.md and latency.svg. A run of every scenario with the quick or full profile writes to
 * docs/performance/ and regenerates the results section of docs/performance.md; other runs write
 * to bench/results/ unless `--out` says otherwise. See docs/performance.md for the method.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import {
  latencySvg,
  machine,
  reportMarkdown,
  scenarioMarkdown,
  toRecord,
  type BenchReport,
  type ScenarioRecord,
} from './lib/report.js'
import { PROFILES, type Profile, type Scenario } from './lib/scenario.js'
import { coldStartScenario } from './scenarios/cold-start.js'
import { clusterScenario } from './scenarios/cluster.js'
import { cpuFloodScenario } from './scenarios/cpu-flood.js'
import { managementScenario } from './scenarios/management.js'
import { observabilityCostScenario } from './scenarios/observability-cost.js'
import { manyHooksScenario } from './scenarios/many-hooks.js'
import { runtimeScenario } from './scenarios/runtime.js'
import { signupScenario } from './scenarios/signup.js'
import { tokenPeerScenario } from './scenarios/token-peer.js'
import { tokenScenario } from './scenarios/token.js'
import { updateDoc } from './update-doc.js'

export const SCENARIOS: readonly Scenario[] = [
  tokenScenario,
  runtimeScenario,
  signupScenario,
  coldStartScenario,
  manyHooksScenario,
  managementScenario,
  cpuFloodScenario,
  tokenPeerScenario,
  observabilityCostScenario,
  clusterScenario,
]

const DOCS_OUT = fileURLToPath(new URL('../docs/performance/', import.meta.url))
const SCRATCH_OUT = fileURLToPath(new URL('./results/', import.meta.url))

export interface BenchOptions {
  readonly profile: Profile
  readonly scenarios: readonly Scenario[]
  readonly outDir: string
  readonly command: string
  readonly log: (line: string) => void
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const started = Date.now()
  const loadStart = loadavg()[0] ?? Number.NaN
  const records: ScenarioRecord[] = []
  for (const scenario of options.scenarios) {
    options.log(`\n## ${scenario.title}`)
    const t0 = Date.now()
    const result = await scenario.run({ profile: options.profile, log: options.log })
    const record = toRecord(result, (Date.now() - t0) / 1000)
    records.push(record)
    options.log(scenarioMarkdown(record))
  }
  const report: BenchReport = {
    profile: options.profile,
    startedAt: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
    machine: machine(loadStart, loadavg()[0] ?? Number.NaN),
    command: options.command,
    scenarios: records,
  }
  mkdirSync(options.outDir, { recursive: true })
  writeFileSync(join(options.outDir, 'results.json'), `${JSON.stringify(report, null, 2)}\n`)
  writeFileSync(join(options.outDir, 'results.md'), reportMarkdown(report, 'latency.svg'))
  writeFileSync(join(options.outDir, 'latency.svg'), latencySvg(report))
  return report
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { profile: { type: 'string', default: 'full' }, out: { type: 'string' } },
  })
  const profile = values.profile as Profile
  if (!PROFILES.includes(profile)) throw new Error(`--profile is one of ${PROFILES.join(', ')}`)
  const unknown = positionals.filter((id) => !SCENARIOS.some((s) => s.id === id))
  if (unknown.length > 0) {
    throw new Error(
      `unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`,
    )
  }
  const scenarios =
    positionals.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => positionals.includes(s.id))
  const publish =
    values.out === undefined && scenarios.length === SCENARIOS.length && profile !== 'smoke'
  const outDir = values.out ?? (publish ? DOCS_OUT : SCRATCH_OUT)
  const command = ['npm run bench --', `--profile ${profile}`, ...positionals].join(' ')
  const report = await runBench({ profile, scenarios, outDir, command, log: (l) => console.log(l) })
  if (publish) updateDoc(report)
  console.log(
    `\nwrote results.json, results.md, latency.svg to ${outDir} in ${report.seconds.toFixed(0)} s`,
  )
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main()
