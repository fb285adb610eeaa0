/** What the hook endpoint tests share: Auth0's schema texts and limits, and two small helpers. */
import assert from 'node:assert/strict'
import type { TestApp } from './build-test-app.js'
import { SCRIPTS, type HookBody } from './management.js'

export const NAME_PATTERN = '^[a-zA-Z0-9]([ \\-a-zA-Z0-9]*[a-zA-Z0-9])?$'
export const NAME = 'Name of this hook.'
export const SCRIPT = 'Code to be executed when this hook runs.'
export const ENABLED = 'Whether this hook will be executed (true) or ignored (false).'
export const DEPENDENCIES = 'Dependencies of this hook used by webtask server.'
export const TRIGGER =
  'Execution stage of this rule. Can be `credentials-exchange`, `pre-user-registration`, `post-user-registration`, `post-change-password`, or `send-phone-message`.'
export const PER_PAGE =
  'Number of hooks per page. Without it, paging is off and every hook is returned.'
export const PAGE = 'Zero-based index of the page to return.'

/** Largest script accepted (compat Q4; docs/management-api.md: 102,400 characters). */
export const MAX_SCRIPT_CHARS = 100 * 1024
/** The documented Management API body limit (1 MiB). */
export const MAX_BODY_BYTES = 1024 * 1024

export const CE = SCRIPTS['credentials-exchange']
export const PUR = SCRIPTS['pre-user-registration']

export function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString()
}

export async function getHook(app: TestApp, id: string): Promise<HookBody> {
  const res = await app.api('GET', `/api/v2/hooks/${id}`)
  assert.equal(res.statusCode, 200, res.body)
  return res.json<HookBody>()
}
