import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import {
  AUTH0_SMS_PROVIDERS,
  MAX_SMS_TEMPLATE_CHARS,
  MFA_POLICIES,
  type GuardianService,
  type SmsTemplates,
} from '../../mfa/guardian.js'
import type { ManagementRouteConfig } from './guard.js'

export interface GuardianRoutesOptions {
  readonly guardian: GuardianService
}

/** Auth0's factor names, listed by `GET /guardian/factors`; openhooks implements only `sms`. */
export const AUTH0_FACTOR_NAMES = [
  'push-notification',
  'sms',
  'email',
  'duo',
  'otp',
  'webauthn-roaming',
  'webauthn-platform',
  'recovery-code',
] as const

/** `PUT /guardian/factors/sms` body. */
export const SmsFactorBody = Type.Object(
  { enabled: Type.Boolean({ description: 'Whether users may enroll and sign in with SMS.' }) },
  { additionalProperties: false },
)
const SmsFactorResponse = Type.Object({ enabled: Type.Boolean() })

/** `PUT /guardian/factors/sms/selected-provider` body: only `phone-message-hook` is accepted. */
export const SmsProviderBody = Type.Object(
  {
    provider: Type.Unsafe<string>({
      type: 'string',
      enum: [...AUTH0_SMS_PROVIDERS],
      description:
        'How codes are delivered. openhooks accepts only `phone-message-hook` (the send-phone-message hook).',
    }),
  },
  { additionalProperties: false },
)
const SmsProviderResponse = Type.Object({ provider: Type.String() })

const template = (description: string) =>
  Type.String({ minLength: 1, maxLength: MAX_SMS_TEMPLATE_CHARS, description })

/** `PUT /guardian/factors/sms/templates` body. */
export const SmsTemplatesBody = Type.Object(
  {
    enrollment_message: template(
      'Sent when a phone is enrolled. Must contain `{{code}}`; may use `{{tenant.friendly_name}}` and `{{application.name}}`.',
    ),
    verification_message: template(
      'Sent at each later sign-in. Same variables as `enrollment_message`.',
    ),
  },
  { additionalProperties: false },
)
const SmsTemplatesResponse = Type.Object({
  enrollment_message: Type.String(),
  verification_message: Type.String(),
})

/** `PUT /guardian/policies` body: `[]` (never) or `["all-applications"]`. */
export const PoliciesBody = Type.Array(
  Type.Unsafe<(typeof MFA_POLICIES)[number]>({ type: 'string', enum: [...MFA_POLICIES] }),
  { maxItems: MFA_POLICIES.length, uniqueItems: true },
)
const PoliciesResponse = Type.Array(Type.String())

const FactorList = Type.Array(
  Type.Object({ name: Type.String(), enabled: Type.Boolean(), trial_expired: Type.Boolean() }),
)

function toTemplatesResponse(templates: SmsTemplates) {
  return {
    enrollment_message: templates.enrollmentMessage,
    verification_message: templates.verificationMessage,
  }
}

/** The Guardian endpoints for SMS through the `send-phone-message` hook (docs/mfa.md). */
export const guardianRoutes: FastifyPluginAsyncTypebox<GuardianRoutesOptions> = async (
  app,
  { guardian },
) => {
  const read: ManagementRouteConfig = { scope: 'read:guardian_factors' }
  const update: ManagementRouteConfig = { scope: 'update:guardian_factors' }

  app.get(
    '/guardian/factors',
    {
      config: read,
      schema: { summary: 'List factors', tags: ['guardian'], response: { 200: FactorList } },
    },
    async () => {
      const sms = await guardian.isSmsEnabled()
      return AUTH0_FACTOR_NAMES.map((name) => ({
        name,
        enabled: name === 'sms' ? sms : false,
        trial_expired: false,
      }))
    },
  )
  app.get(
    '/guardian/factors/sms',
    {
      config: read,
      schema: {
        summary: 'Get the SMS factor',
        tags: ['guardian'],
        response: { 200: SmsFactorResponse },
      },
    },
    async () => ({ enabled: await guardian.isSmsEnabled() }),
  )
  app.put(
    '/guardian/factors/sms',
    {
      config: update,
      schema: {
        summary: 'Enable or disable the SMS factor',
        tags: ['guardian'],
        body: SmsFactorBody,
        response: { 200: SmsFactorResponse },
      },
    },
    async (request) => ({ enabled: await guardian.setSmsEnabled(request.body.enabled) }),
  )
  app.get(
    '/guardian/factors/sms/selected-provider',
    {
      config: read,
      schema: {
        summary: 'Get the SMS provider',
        tags: ['guardian'],
        response: { 200: SmsProviderResponse },
      },
    },
    async () => ({ provider: await guardian.smsProvider() }),
  )
  app.put(
    '/guardian/factors/sms/selected-provider',
    {
      config: update,
      schema: {
        summary: 'Select the SMS provider',
        tags: ['guardian'],
        body: SmsProviderBody,
        response: { 200: SmsProviderResponse },
      },
    },
    async (request) => ({ provider: await guardian.setSmsProvider(request.body.provider) }),
  )
  app.get(
    '/guardian/factors/sms/templates',
    {
      config: read,
      schema: {
        summary: 'Get the SMS templates',
        tags: ['guardian'],
        response: { 200: SmsTemplatesResponse },
      },
    },
    async () => toTemplatesResponse(await guardian.smsTemplates()),
  )
  app.put(
    '/guardian/factors/sms/templates',
    {
      config: update,
      schema: {
        summary: 'Set the SMS templates',
        tags: ['guardian'],
        body: SmsTemplatesBody,
        response: { 200: SmsTemplatesResponse },
      },
    },
    async (request) =>
      toTemplatesResponse(
        await guardian.setSmsTemplates({
          enrollmentMessage: request.body.enrollment_message,
          verificationMessage: request.body.verification_message,
        }),
      ),
  )
  app.get(
    '/guardian/policies',
    {
      config: { scope: 'read:mfa_policies' },
      schema: {
        summary: 'Get MFA policies',
        tags: ['guardian'],
        response: { 200: PoliciesResponse },
      },
    },
    async () => guardian.policies(),
  )
  app.put(
    '/guardian/policies',
    {
      config: { scope: 'update:mfa_policies' },
      schema: {
        summary: 'Set MFA policies',
        tags: ['guardian'],
        body: PoliciesBody,
        response: { 200: PoliciesResponse },
      },
    },
    async (request) => guardian.setPolicies(request.body),
  )
}
