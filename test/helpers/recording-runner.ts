import type { HookRunner, RunOutcome, RunRequest } from '../../src/sandbox/runner.js'

/** One `send-phone-message` call as the sandbox received it. */
export interface PhoneMessageCall {
  readonly recipient: string
  readonly text: string
  readonly context: Record<string, unknown> & { code: string; action: string }
}

/**
 * A test-only decorator of a real runner: every call still runs in the sandbox, and the arguments
 * of `send-phone-message` calls (recipient, text, context) are recorded, so that a test can read
 * the code the hook was given, as an SMS sink would.
 */
export class RecordingRunner implements HookRunner {
  readonly #inner: HookRunner
  readonly phoneMessages: PhoneMessageCall[] = []

  constructor(inner: HookRunner) {
    this.#inner = inner
  }

  run(request: RunRequest): Promise<RunOutcome> {
    const [recipient, text, context] = request.args
    if (
      typeof recipient === 'string' &&
      typeof text === 'string' &&
      typeof context === 'object' &&
      context !== null &&
      'message_type' in context
    ) {
      this.phoneMessages.push({
        recipient,
        text,
        context: context as unknown as PhoneMessageCall['context'],
      })
    }
    return this.#inner.run(request)
  }

  /** The last recorded call; fails when there is none. */
  last(): PhoneMessageCall {
    const call = this.phoneMessages.at(-1)
    if (call === undefined) throw new Error('no send-phone-message call was recorded')
    return call
  }

  retire(hookId: string): void {
    this.#inner.retire(hookId)
  }

  close(): Promise<void> {
    return this.#inner.close()
  }

  stats(): ReturnType<HookRunner['stats']> {
    return this.#inner.stats()
  }
}
