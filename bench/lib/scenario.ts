/** What every scenario of `npm run bench` gets and returns. */
import type { Ratio, TargetCheck, VariantResult } from './stats.js'

/**
 * How long a run takes. `smoke`: a few requests per scenario, seconds in total (the test in
 * `npm test`); `quick`: reduced durations, about a third of `full`; `full`: the published run
 * (at most ~10 minutes).
 */
export type Profile = 'smoke' | 'quick' | 'full'
export const PROFILES: readonly Profile[] = ['smoke', 'quick', 'full']

export interface ScenarioContext {
  readonly profile: Profile
  /** A line of progress for the console. */
  readonly log: (line: string) => void
}

export interface ScenarioResult {
  readonly id: string
  readonly title: string
  /** What a variant's latency measures (one request over HTTP, one call, one page…). */
  readonly unit: string
  readonly variants: readonly VariantResult[]
  readonly ratios: readonly Ratio[]
  readonly targets: readonly TargetCheck[]
  /** Settings of the run and observations, one sentence each. */
  readonly notes: readonly string[]
}

export interface Scenario {
  readonly id: string
  readonly title: string
  run(context: ScenarioContext): Promise<ScenarioResult>
}

/** Picks a scenario's setting for the profile. */
export function byProfile<S extends Readonly<Record<Profile, unknown>>>(
  profile: Profile,
  settings: S,
): S[Profile] {
  return settings[profile]
}
