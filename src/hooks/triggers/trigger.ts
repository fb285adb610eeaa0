/**
 * The contract every trigger module satisfies (STYLE §5): what the script is called with, what its
 * result means and how its failures reach the outside. One module per `triggerId`; the registry is
 * `index.ts`. Nothing here knows about HTTP: failures are transport-neutral values that the flows
 * turn into OAuth, signup or log bodies.
 */
import { OAUTH_DESCRIPTIONS } from '../../errors/catalog.js'
import type {
  FailedRunOutcome,
  HookErrorBody,
  InjectedErrorClass,
  RunLimits,
} from '../../sandbox/runner.js'
import { errorField } from '../../sandbox/runner.js'
import type { TriggerId } from '../hook.js'

/** Auth0's text for a hook that ran out of time (compat §3.7, Q18). */
export const HOOK_TIMEOUT_DESCRIPTION = OAUTH_DESCRIPTIONS.HookTimedOut.description

/** What a caller is told when the hook's share of the sandbox is full (issue 17). */
export const HOOK_BUSY_DESCRIPTION = 'Too many requests are waiting for this hook; try again later'

/** The sandbox refused the call at once because the point's share of it is full. */
export function isSandboxBusy(failed: FailedRun): boolean {
  return failed.kind === 'limit' && failed.limit === 'maxPendingCalls'
}

/** What a caller outside openhooks is told when the runtime itself failed (compat Q18). */
export const HOOK_CRASH_DESCRIPTION = OAUTH_DESCRIPTIONS.HookCouldNotRun.description

/** In scope for all five triggers (compat §3.2). */
export const EXTENSIBILITY_USER_ERROR: InjectedErrorClass = {
  name: 'ExtensibilityUserError',
  extends: 'Error',
  friendlyMessage: false,
}

/** The payload passed the trigger's argument checks (compat §3.3). */
export type PayloadCheck<Payload> =
  | { readonly ok: true; readonly payload: Payload }
  | { readonly ok: false; readonly message: string }

/** The result was usable, or is refused and counts as a hook error (compat Q17, Q19). */
export type ResultCheck<Result> =
  { readonly ok: true; readonly result: Result } | { readonly ok: false; readonly message: string }

/** A failed run: a failing sandbox outcome, or a result that `parseResult` refused. */
export type FailedRun =
  FailedRunOutcome | { readonly kind: 'invalid-result'; readonly message: string }

/** `credentials-exchange`: the `/oauth/token` error (RFC 6749 §5.2; compat §4.1, Q18). */
export interface OAuthFailure {
  readonly kind: 'oauth'
  /** 429 `too_many_requests`: the point's share of the sandbox is full (issue 17). */
  readonly status: 400 | 429 | 500
  readonly error: 'invalid_scope' | 'invalid_request' | 'server_error' | 'too_many_requests'
  readonly description: string
  /** For the tenant log (`feccft`) and the server log. */
  readonly logMessage: string
}

/** `pre-user-registration`: the signup is refused (compat §4.2, Q21). */
export interface DeniedFailure {
  readonly kind: 'denied'
  /** The first argument of `PreUserRegistrationError`: logged, and the signup `description`. */
  readonly message: string
  /** What the person signing up may be shown; defaults to `message`. */
  readonly friendlyMessage: string
  readonly logMessage: string
}

/** `send-phone-message`: the code was not delivered (compat §4.5, Q22). */
export interface DeliveryFailure {
  readonly kind: 'delivery-failed'
  /** Only for `SendPhoneMessageError`; otherwise the flow shows a generic text. */
  readonly friendlyMessage?: string
  readonly logMessage: string
}

/** Non-blocking triggers: the failure is only logged (compat §4.3, §4.4). */
export interface LoggedFailure {
  readonly kind: 'logged'
  readonly logMessage: string
}

export type TriggerFailure = OAuthFailure | DeniedFailure | DeliveryFailure | LoggedFailure

/** `context.webtask` as openhooks provides it (compat §3.8, Q12: no `storage`). */
export interface WebtaskContext {
  readonly secrets: Readonly<Record<string, string>>
  readonly meta: Record<string, never>
  readonly body: unknown
  readonly headers: Record<string, never>
  readonly query: Record<string, never>
}

export interface TriggerDefinition<Payload, Result, Failure extends TriggerFailure> {
  readonly id: TriggerId
  /** Non-blocking triggers run after the commit, detached; their failures are only logged. */
  readonly blocking: boolean
  /** Names of the script's parameters before `cb`, in Auth0's order (compat §1.1). */
  readonly parameters: readonly string[]
  /** Declared in the script's module scope, in this order (compat §3.2). */
  readonly errorClasses: readonly InjectedErrorClass[]
  /**
   * What a success with no data (`cb()`, `cb(null)`, `cb(null, null)`) gives: `'empty-object'` for
   * the points of Auth0's user-registration compiler, which turned it into `{}` (compat §3.3, §3.4);
   * `'none'` where the compiler left it absent. Applied in `runHookForTrigger`, so the Runner, the logs and
   * `parseResult` all see the same value.
   */
  readonly noDataResult: 'empty-object' | 'none'
  /** Limits that differ from the sandbox defaults for this trigger. */
  readonly limits: Partial<RunLimits>
  /** The Dashboard Runner's default payload (compat §4). */
  readonly samplePayload: Payload
  /** Auth0's argument checks, in order, with their exact messages (compat §3.3). */
  validatePayload(raw: unknown): PayloadCheck<Payload>
  /** The positional arguments before `cb`, with `context.webtask` (compat §3.8). */
  buildArgs(payload: Payload, secrets: Readonly<Record<string, string>>): readonly unknown[]
  /** Applies what Auth0 applied to the script's result, ignores the rest. */
  parseResult(raw: unknown): ResultCheck<Result>
  /** How a failed run reaches the outside. */
  mapFailure(failed: FailedRun): Failure
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the trigger modules.

/** A non-null, non-array object: compat §3.3 treats `null` as "not an object" everywhere. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function webtaskContext(
  payload: unknown,
  secrets: Readonly<Record<string, string>>,
): WebtaskContext {
  return { secrets: { ...secrets }, meta: {}, body: payload, headers: {}, query: {} }
}

/** `name` of a serialised hook error: how Auth0 classified errors (compat §3.5). */
export function errorName(error: HookErrorBody): string | undefined {
  return errorField(error, 'name')
}

/** `message` of a serialised hook error, `Unknown error` when it has none. */
export function errorMessage(error: HookErrorBody): string {
  return errorField(error, 'message') ?? 'Unknown error'
}

/** One line describing any failed run, for logs. */
export function describeFailure(failed: FailedRun): string {
  switch (failed.kind) {
    case 'hook-error': {
      const name = errorName(failed.error)
      const message = errorMessage(failed.error)
      return name === undefined ? message : `${name}: ${message}`
    }
    case 'invalid-result':
      return failed.message
    case 'compile-error':
      return `${failed.message}: ${failed.description}`
    case 'timeout':
    case 'memory':
    case 'limit':
      return failed.message
    case 'crash':
      return `the sandbox failed: ${failed.reason}`
  }
}
