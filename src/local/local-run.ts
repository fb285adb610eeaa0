/**
 * src/local: hooks run on this machine, without a server (issue 22). Unlike src/cli, which talks
 * to a server over HTTP only, this layer uses the server's sandbox and trigger definitions
 * directly, so that a hook behaves locally as it does when deployed.
 *
 * Runs a hook file on this machine for `openhooks run` and `openhooks test`: the server's sandbox
 * (worker processes, isolates, limits from the same `OPENHOOKS_*` settings), the server's trigger
 * definitions and the Runner's report. No server, no database; no network unless asked.
 */
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { basename, join } from 'node:path'
import { pino } from 'pino'
import { loadConfig, type Config } from '../config/load-config.js'
import { DependencyError } from '../dependencies/dependency-error.js'
import { DependencyResolver } from '../dependencies/resolver.js'
import type { ManagementErrorBody } from '../errors/api-error.js'
import { dependencyApiError } from '../hooks/dependencies.js'
import { runHookForTrigger } from '../hooks/dispatch.js'
import { redactRun } from '../hooks/hook-dispatcher.js'
import { isTriggerId, MAX_SCRIPT_CHARS, TRIGGER_IDS, type TriggerId } from '../hooks/hook.js'
import { runReport, type RunReport } from '../hooks/run-report.js'
import { getTrigger } from '../hooks/triggers/index.js'
import type { TriggerDefinition, TriggerFailure } from '../hooks/triggers/trigger.js'
import { DEPENDENCY_CACHE_DIR, egressPolicyOf } from '../main.js'
import { startProcessRunner } from '../sandbox/process-runner.js'
import type { HookRunner } from '../sandbox/runner.js'
import { UsageError } from '../cli/cli-io.js'

export const EGRESS_MODES = ['public', 'allowlist', 'none'] as const
export type EgressMode = (typeof EGRESS_MODES)[number]

/** One worker process: local runs are one at a time. */
const LOCAL_WORKERS = 1

export interface LocalRunInput {
  /** Path of the hook's script. */
  readonly file: string
  readonly trigger: string
  /** Merged into the trigger's sample payload (objects deeply, everything else replaced). */
  readonly payload?: unknown
  readonly secrets?: Readonly<Record<string, string>>
  /** npm dependencies, installed and bundled as a save does. */
  readonly dependencies?: Readonly<Record<string, string>>
}

export type LocalRunResult =
  | { readonly kind: 'report'; readonly report: RunReport }
  /** The payload failed the trigger's argument checks; the script was not called. */
  | { readonly kind: 'invalid-payload'; readonly message: string }
  /** A dependency cannot run (refused as a save refuses it): the Management API's error body. */
  | { readonly kind: 'dependency-error'; readonly body: ManagementErrorBody }

export interface LocalRunner {
  run(input: LocalRunInput): Promise<LocalRunResult>
  close(): Promise<void>
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** `over` merged into `base`: objects key by key, anything else replaced. */
export function mergePayload(base: unknown, over: unknown): unknown {
  if (over === undefined) return base
  if (!isPlainObject(base) || !isPlainObject(over)) return over
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(over)) out[key] = mergePayload(base[key], value)
  return out
}

/** The trigger id, or a usage error listing the five. */
export function triggerIdOf(value: string | undefined): TriggerId {
  if (value === undefined) throw new UsageError('--trigger is required')
  if (!isTriggerId(value)) {
    throw new UsageError(`Unknown trigger "${value}"; use one of: ${TRIGGER_IDS.join(', ')}`)
  }
  return value
}

/** The script of a hook file, or a usage error. */
export function readScript(file: string): string {
  let script: string
  try {
    script = readFileSync(file, 'utf8')
  } catch (error) {
    throw new UsageError(
      `Cannot read the hook ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    )
  }
  if (script.length > MAX_SCRIPT_CHARS) {
    throw new UsageError(`${file} is longer than the ${MAX_SCRIPT_CHARS} characters a hook may be`)
  }
  return script
}

/**
 * Where local runs cache installed and bundled dependencies: the server's cache when
 * `OPENHOOKS_DATA_DIR` is set, else `$XDG_CACHE_HOME/openhooks/deps` (`~/.cache/openhooks/deps`).
 */
export function localDependencyCacheDir(
  env: Readonly<Record<string, string | undefined>>,
  config: Config,
): string {
  if ((env['OPENHOOKS_DATA_DIR'] ?? '') !== '') return join(config.dataDir, DEPENDENCY_CACHE_DIR)
  const cache = env['XDG_CACHE_HOME'] ?? ''
  return join(cache !== '' ? cache : join(homedir(), '.cache'), 'openhooks', DEPENDENCY_CACHE_DIR)
}

/** Starts the sandbox with the limits of `env` (as `serve` reads them) and the given egress. */
export async function startLocalRunner(
  env: Readonly<Record<string, string | undefined>>,
  egress: EgressMode,
): Promise<LocalRunner> {
  const config = loadConfig(env)
  const runner: HookRunner = await startProcessRunner({
    logger: pino({ level: 'silent' }),
    poolSize: LOCAL_WORKERS,
    defaultLimits: {
      timeoutMs: config.sandbox.hookTimeoutMs,
      memoryMb: config.sandbox.hookMemoryMb,
    },
    egress: egressPolicyOf({ ...config.sandbox.egress, mode: egress }, undefined),
  })
  let resolver: DependencyResolver | undefined
  return {
    async run(input) {
      const triggerId = triggerIdOf(input.trigger)
      const trigger = getTrigger(triggerId) as unknown as TriggerDefinition<
        unknown,
        unknown,
        TriggerFailure
      >
      const secrets = input.secrets ?? {}
      const dependencies = input.dependencies ?? {}
      if (Object.keys(dependencies).length > 0 && config.dependencies.mode !== 'off') {
        resolver ??= new DependencyResolver({
          cacheDir: localDependencyCacheDir(env, config),
          registry: config.dependencies.registry,
          timeoutMs: config.dependencies.timeoutMs,
          env,
        })
        try {
          // As a save: ranges resolved now, and a dependency that cannot run is refused.
          await resolver.prepare(dependencies)
        } catch (error) {
          if (!(error instanceof DependencyError)) throw error
          return { kind: 'dependency-error', body: dependencyApiError(error).toBody() }
        }
      }
      const script = readScript(input.file)
      const run = redactRun(
        await runHookForTrigger({
          runner,
          trigger,
          hook: { id: `local:${basename(input.file)}`, script, dependencies },
          ...(resolver !== undefined ? { dependencies: resolver } : undefined),
          secrets,
          payload: mergePayload(structuredClone(trigger.samplePayload), input.payload),
        }),
        secrets,
      )
      if (run.kind === 'invalid-payload') return { kind: 'invalid-payload', message: run.message }
      return { kind: 'report', report: runReport(run) }
    },
    close: () => runner.close(),
  }
}

/** `KEY=value` lines of a `.env` file; `#` comments, blank lines, optional quotes. */
export function parseEnvFile(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {}
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim()
    if (trimmed === '' || trimmed.startsWith('#')) return
    const match = /^(?:export\s+)?([A-Za-z0-9_-]+)\s*=\s*(.*)$/.exec(trimmed)
    if (match === null) throw new UsageError(`${file}:${index + 1}: expected KEY=value`)
    let value = match[2] ?? ''
    const quoted = /^(['"])(.*)\1$/.exec(value)
    if (quoted !== null) value = quoted[2] ?? ''
    out[match[1] ?? ''] = value
  })
  return out
}
