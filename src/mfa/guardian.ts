/**
 * The tenant's Guardian (MFA) settings that openhooks implements: the SMS factor, its delivery
 * provider, its message templates and the MFA policy (docs/mfa.md). Stored as JSON values in
 * `guardian_settings`; a setting never written reads as its default.
 */
import { ApiError } from '../errors/api-error.js'
import type { MfaStore } from '../storage/store.js'

/** The only SMS provider openhooks implements: the `send-phone-message` hook (compat §4.5). */
export const PHONE_MESSAGE_HOOK_PROVIDER = 'phone-message-hook'

/** Auth0's SMS providers (OAS enum); only the hook provider is accepted. */
export const AUTH0_SMS_PROVIDERS = ['auth0', 'twilio', PHONE_MESSAGE_HOOK_PROVIDER] as const

/** Auth0's MFA policies that openhooks accepts: never, or for every application. */
export const MFA_POLICIES = ['all-applications'] as const
export type MfaPolicy = (typeof MFA_POLICIES)[number]

/** Longest SMS template accepted, in characters (ten SMS segments of 160 GSM characters). */
export const MAX_SMS_TEMPLATE_CHARS = 1_600

/** The placeholder the code replaces; every template must contain it. */
export const CODE_PLACEHOLDER = '{{code}}'

export interface SmsTemplates {
  readonly enrollmentMessage: string
  readonly verificationMessage: string
}

/**
 * Our default wording (not Auth0's). Variables: `{{code}}` the one-time code,
 * `{{tenant.friendly_name}}` the tenant name, `{{application.name}}` the client's name.
 */
export const DEFAULT_SMS_TEMPLATES: SmsTemplates = Object.freeze({
  enrollmentMessage:
    '{{code}} is the code that confirms this phone for signing in to {{application.name}}. It expires in 5 minutes.',
  verificationMessage:
    '{{code}} is your {{application.name}} sign-in code. It expires in 5 minutes. Do not share it.',
})

/** The values a template may use. */
export interface TemplateValues {
  readonly code: string
  readonly tenant: string
  readonly applicationName: string
}

/** Replaces every known `{{variable}}` (spaces inside the braces allowed); unknown ones stay. */
export function renderSmsTemplate(template: string, values: TemplateValues): string {
  const known: Record<string, string> = {
    code: values.code,
    'tenant.friendly_name': values.tenant,
    'application.name': values.applicationName,
  }
  return template.replace(/\{\{\s*([a-z_.]+)\s*\}\}/g, (whole, name: string) =>
    Object.hasOwn(known, name) ? (known[name] ?? whole) : whole,
  )
}

const KEYS = {
  smsEnabled: 'factors.sms.enabled',
  smsProvider: 'factors.sms.provider',
  smsTemplates: 'factors.sms.templates',
  policies: 'policies',
} as const

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export class GuardianService {
  readonly #store: MfaStore

  constructor(store: MfaStore) {
    this.#store = store
  }

  async isSmsEnabled(): Promise<boolean> {
    return (await this.#store.getGuardianSetting(KEYS.smsEnabled)) === true
  }

  async setSmsEnabled(enabled: boolean): Promise<boolean> {
    await this.#store.putGuardianSetting(KEYS.smsEnabled, enabled)
    return enabled
  }

  async smsProvider(): Promise<string> {
    const stored = await this.#store.getGuardianSetting(KEYS.smsProvider)
    return typeof stored === 'string' ? stored : PHONE_MESSAGE_HOOK_PROVIDER
  }

  async setSmsProvider(provider: string): Promise<string> {
    if (provider !== PHONE_MESSAGE_HOOK_PROVIDER) throw new ApiError('UnsupportedSmsProvider')
    await this.#store.putGuardianSetting(KEYS.smsProvider, provider)
    return provider
  }

  async smsTemplates(): Promise<SmsTemplates> {
    const stored = await this.#store.getGuardianSetting(KEYS.smsTemplates)
    if (
      isRecord(stored) &&
      typeof stored.enrollmentMessage === 'string' &&
      typeof stored.verificationMessage === 'string'
    ) {
      return {
        enrollmentMessage: stored.enrollmentMessage,
        verificationMessage: stored.verificationMessage,
      }
    }
    return DEFAULT_SMS_TEMPLATES
  }

  async setSmsTemplates(templates: SmsTemplates): Promise<SmsTemplates> {
    for (const [field, text] of [
      ['enrollment_message', templates.enrollmentMessage],
      ['verification_message', templates.verificationMessage],
    ] as const) {
      if (!text.includes(CODE_PLACEHOLDER)) {
        throw new ApiError('InvalidSmsTemplate', {
          message: `Payload validation error: ${field} must contain ${CODE_PLACEHOLDER}`,
        })
      }
    }
    await this.#store.putGuardianSetting(KEYS.smsTemplates, templates)
    return templates
  }

  async policies(): Promise<MfaPolicy[]> {
    const stored = await this.#store.getGuardianSetting(KEYS.policies)
    return Array.isArray(stored)
      ? stored.filter((p): p is MfaPolicy => (MFA_POLICIES as readonly unknown[]).includes(p))
      : []
  }

  async setPolicies(policies: readonly MfaPolicy[]): Promise<MfaPolicy[]> {
    const unique = [...new Set(policies)]
    await this.#store.putGuardianSetting(KEYS.policies, unique)
    return unique
  }

  /** MFA applies to a password login when the policy covers every application and SMS is on. */
  async isMfaRequired(): Promise<boolean> {
    return (await this.policies()).includes('all-applications') && (await this.isSmsEnabled())
  }
}
