/**
 * The registry of extensibility points: an explicit list (STYLE §4, §5), one module per `triggerId`.
 */
import type { TriggerId } from '../hook.js'
import { credentialsExchange } from './credentials-exchange.js'
import { postChangePassword } from './post-change-password.js'
import { postUserRegistration } from './post-user-registration.js'
import { preUserRegistration } from './pre-user-registration.js'
import { sendPhoneMessage } from './send-phone-message.js'

/** One of the five definitions (the two post-* triggers share a type). */
export type AnyTrigger =
  | typeof credentialsExchange
  | typeof preUserRegistration
  | typeof postUserRegistration
  | typeof sendPhoneMessage

export const TRIGGERS: readonly AnyTrigger[] = [
  credentialsExchange,
  preUserRegistration,
  postUserRegistration,
  postChangePassword,
  sendPhoneMessage,
]

const BY_ID: ReadonlyMap<string, AnyTrigger> = new Map(
  TRIGGERS.map((trigger) => [trigger.id, trigger]),
)

/** The definition of a trigger, or undefined for anything that is not one of the five ids. */
export function findTrigger(id: string): AnyTrigger | undefined {
  return BY_ID.get(id)
}

/** The definition of a known trigger id. */
export function getTrigger(id: TriggerId): AnyTrigger {
  const trigger = BY_ID.get(id)
  if (trigger === undefined) throw new TypeError(`no definition for trigger ${id}`)
  return trigger
}
