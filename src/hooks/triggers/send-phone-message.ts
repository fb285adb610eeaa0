/**
 * `send-phone-message` (compat §4.5): delivers an MFA code by SMS or voice when the tenant's SMS
 * provider is "Custom". Blocking: only success or failure matters; the result is ignored.
 */
import type { InjectedErrorClass } from '../../sandbox/runner.js'
import { errorField } from '../../sandbox/runner.js'
import {
  describeFailure,
  errorName,
  EXTENSIBILITY_USER_ERROR,
  isObject,
  webtaskContext,
} from './trigger.js'
import type { DeliveryFailure, FailedRun, PayloadCheck, TriggerDefinition } from './trigger.js'
import { ignoreResult } from './post-user-registration.js'
import type { IgnoredResult } from './post-user-registration.js'

export interface SendPhoneMessagePayload {
  readonly recipient: string
  readonly text: string
  readonly context: Readonly<Record<string, unknown>> & {
    readonly message_type: 'sms' | 'voice'
    readonly action: 'enrollment' | 'second-factor-authentication'
    readonly language: string
    readonly code: string
    readonly ip: string
    readonly user_agent: string
    readonly client?: Readonly<Record<string, unknown>>
    readonly user: Readonly<Record<string, unknown>>
  }
}

const CLASSES: readonly InjectedErrorClass[] = [
  EXTENSIBILITY_USER_ERROR,
  { name: 'SendPhoneMessageError', extends: 'ExtensibilityUserError', friendlyMessage: true },
]

function notA(path: string, what: string): { ok: false; message: string } {
  return { ok: false, message: `Body${path} received by extensibility point is not ${what}` }
}

function validatePayload(raw: unknown): PayloadCheck<SendPhoneMessagePayload> {
  // compat §3.3, send-phone-message compiler, in order; the backticks are part of two messages.
  if (!isObject(raw)) return notA('', 'an object')
  if (typeof raw.recipient !== 'string') return notA('.recipient', 'a string')
  if (typeof raw.text !== 'string') return notA('.text', 'a string')
  const context = raw.context
  if (!isObject(context)) return notA('.context', 'an object')
  if (context.message_type !== 'sms' && context.message_type !== 'voice') {
    return notA('.context.message_type', '`sms` or `voice`')
  }
  if (context.action !== 'enrollment' && context.action !== 'second-factor-authentication') {
    return notA('.context.action', '`enrollment` or `second-factor-authentication`')
  }
  for (const field of ['language', 'code', 'ip', 'user_agent'] as const) {
    if (typeof context[field] !== 'string') return notA(`.context.${field}`, 'a string')
  }
  if (context.client !== undefined) {
    const client = context.client
    if (!isObject(client)) return notA('.context.client', 'an object')
    if (typeof client.client_id !== 'string') return notA('.context.client.client_id', 'a string')
    if (typeof client.name !== 'string') return notA('.context.client.name', 'a string')
    if (client.client_metadata !== undefined && !isObject(client.client_metadata)) {
      return notA('.context.client.client_metadata', 'an object')
    }
  }
  if (!isObject(context.user)) return notA('.context.user', 'an object')
  return { ok: true, payload: raw as unknown as SendPhoneMessagePayload }
}

function mapFailure(failed: FailedRun): DeliveryFailure {
  const logMessage = describeFailure(failed)
  // compat Q22: only SendPhoneMessageError's friendly text may reach the MFA client.
  if (failed.kind === 'hook-error' && errorName(failed.error) === 'SendPhoneMessageError') {
    const friendlyMessage =
      errorField(failed.error, 'friendlyMessage') ?? errorField(failed.error, 'message')
    if (friendlyMessage !== undefined) {
      return { kind: 'delivery-failed', friendlyMessage, logMessage }
    }
  }
  return { kind: 'delivery-failed', logMessage }
}

/**
 * @example
 * module.exports = function (recipient, text, context, cb) {
 *   // send `text` to `recipient` through the provider, then:
 *   cb(null, {})
 * }
 */
export const sendPhoneMessage: TriggerDefinition<
  SendPhoneMessagePayload,
  IgnoredResult,
  DeliveryFailure
> = {
  id: 'send-phone-message',
  blocking: true,
  parameters: ['recipient', 'text', 'context'],
  errorClasses: CLASSES,
  noDataResult: 'none',
  limits: {},
  samplePayload: {
    recipient: '1-808-555-5555',
    text: 'Here is your one time password: 999111',
    context: {
      message_type: 'sms',
      action: 'enrollment',
      language: 'en',
      code: '123456',
      ip: '127.0.0.1',
      user_agent: 'Mozilla/5.0',
      client: { client_id: '1235', name: 'Test Application', client_metadata: {} },
      user: {
        user_id: 'auth0|test12345',
        name: 'Billie Magnusson',
        email: 'billie@email.com',
        app_metadata: {},
        user_metadata: {},
      },
    },
  },
  validatePayload,
  buildArgs(payload, secrets) {
    return [
      payload.recipient,
      payload.text,
      { ...payload.context, webtask: webtaskContext(payload, secrets) },
    ]
  },
  parseResult: ignoreResult,
  mapFailure,
}
