/**
 * Shared setup for the sandbox tests: a real process runner with a silent logger, and the Auth0
 * error classes as the triggers inject them (the sandbox tests must not import src/hooks).
 */
import { pino } from 'pino'
import { startProcessRunner } from '../../src/sandbox/process-runner.js'
import type { ProcessRunnerOptions } from '../../src/sandbox/process-runner.js'
import type {
  HookRunner,
  InjectedErrorClass,
  RunLimits,
  RunOutcome,
  RunOutcomeKind,
} from '../../src/sandbox/runner.js'

export const ALL_CLASSES: readonly InjectedErrorClass[] = [
  { name: 'ExtensibilityUserError', extends: 'Error', friendlyMessage: false },
  { name: 'InvalidRequestError', extends: 'ExtensibilityUserError', friendlyMessage: false },
  { name: 'InvalidScopeError', extends: 'ExtensibilityUserError', friendlyMessage: false },
  { name: 'ServerError', extends: 'ExtensibilityUserError', friendlyMessage: false },
  { name: 'PreUserRegistrationError', extends: 'ExtensibilityUserError', friendlyMessage: true },
  { name: 'SendPhoneMessageError', extends: 'ExtensibilityUserError', friendlyMessage: true },
]

/**
 * runScript's limits unless a test gives its own: a test of what a call computes must not be
 * ended by a deadline on a busy machine (load average 20 on two cores, where a worker waits
 * seconds for a CPU). Tests of a deadline set the limit they test.
 */
export const ROOMY_LIMITS: Partial<RunLimits> = { timeoutMs: 60_000, entryTimeoutMs: 30_000 }

/**
 * How late an outcome may arrive after the deadline that ends it: the runner's own margin
 * (HOST_DEADLINE_MARGIN_MS, 1 s), plus room for a machine with a load average of 20 to 40, where
 * a worker waits seconds for a CPU. A bound for a call that is never ended, not for a slow one.
 */
export const DEADLINE_SLACK_MS = 10_000

/** Deadline for the workers' start in tests: for a broken start, not for a busy machine. */
export const TEST_WORKER_START_TIMEOUT_MS = 120_000

export async function startTestRunner(
  options: Partial<ProcessRunnerOptions> = {},
): Promise<HookRunner> {
  // Hooks reach nothing unless a test allows its own server (the suite runs with `allowlist`).
  return startProcessRunner({
    logger: pino({ level: 'silent' }),
    poolSize: 2,
    egress: { mode: 'allowlist', allow: [] },
    workerStartTimeoutMs: TEST_WORKER_START_TIMEOUT_MS,
    ...options,
  })
}

let counter = 0

/** A fresh hook id per call site unless one is given, so tests never share isolates by accident. */
export function uniqueHookId(prefix = 'hook'): string {
  counter++
  return `${prefix}-${process.pid}-${counter}`
}

export interface RunScriptOptions {
  readonly hookId?: string
  readonly versionKey?: string
  readonly args?: readonly unknown[]
  readonly limits?: Partial<RunLimits>
  readonly classes?: readonly InjectedErrorClass[]
}

export function runScript(
  runner: HookRunner,
  script: string,
  options: RunScriptOptions = {},
): Promise<RunOutcome> {
  return runner.run({
    hookId: options.hookId ?? uniqueHookId(),
    versionKey: options.versionKey ?? 'v1',
    script,
    injectedClasses: options.classes ?? ALL_CLASSES,
    args: options.args ?? [{ name: 'user' }, { webtask: { secrets: {} } }],
    limits: { ...ROOMY_LIMITS, ...options.limits },
  })
}

/** Narrows an outcome to one kind, failing with the whole outcome in the message otherwise. */
export function expectKind<K extends RunOutcomeKind>(
  outcome: RunOutcome,
  kind: K,
): Extract<RunOutcome, { kind: K }> {
  if (outcome.kind !== kind) {
    throw new Error(`expected outcome ${kind}, got ${JSON.stringify(outcome, null, 2)}`)
  }
  return outcome as Extract<RunOutcome, { kind: K }>
}

/** How long waitFor waits by default: for a broken runner, not for a slow machine. */
export const WAIT_FOR_DEADLINE_MS = 60_000

/** Polls `check` until it holds; throws past the deadline. */
export async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs = WAIT_FOR_DEADLINE_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
