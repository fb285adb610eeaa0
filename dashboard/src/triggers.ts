import type { TriggerId } from './api'

export interface ExtensibilityPoint {
  readonly id: TriggerId
  readonly title: string
  /** One line: when it runs and whether the request waits for it. */
  readonly summary: string
  readonly blocking: boolean
  /** Our own starter script for a new hook of this point. */
  readonly starter: string
}

export const POINTS: readonly ExtensibilityPoint[] = [
  {
    id: 'credentials-exchange',
    title: 'Client Credentials Exchange',
    summary:
      'Runs when an application asks /oauth/token for an access token with its client credentials; blocking: it can add claims or refuse the token.',
    blocking: true,
    starter: `/**
 * Client Credentials Exchange: called before an access token is issued.
 * Add namespaced claims to the token, or refuse it with an error.
 */
module.exports = function (client, scope, audience, context, cb) {
  // The token gets the scopes returned here: keep \`scope\` unless you mean to narrow it.
  const token = { scope }
  // token['https://example.com/plan'] = client.metadata.plan
  // Refuse: cb(new InvalidScopeError('this client may not ask for that scope'))
  cb(null, token)
}
`,
  },
  {
    id: 'pre-user-registration',
    title: 'Pre-User Registration',
    summary:
      'Runs on a database signup before the user is stored; blocking: it can set metadata or reject the signup.',
    blocking: true,
    starter: `/**
 * Pre-User Registration: called before a new user is saved.
 * Return metadata to store with the user, or reject the signup.
 */
module.exports = function (user, context, cb) {
  const response = { user: { user_metadata: {}, app_metadata: {} } }
  // Reject: cb(new PreUserRegistrationError('Signups are closed', 'We are not accepting signups'))
  cb(null, response)
}
`,
  },
  {
    id: 'post-user-registration',
    title: 'Post-User Registration',
    summary:
      'Runs after a new user has been stored; not blocking: the signup answers first and the outcome is only logged.',
    blocking: false,
    starter: `/**
 * Post-User Registration: called after a new user was saved.
 * Good for notifications; the signup does not wait for it.
 */
module.exports = function (user, context, cb) {
  console.log('new user', user.id)
  cb()
}
`,
  },
  {
    id: 'post-change-password',
    title: 'Post-Change Password',
    summary:
      "Runs after a user's password has changed; not blocking: the change is done and the outcome is only logged.",
    blocking: false,
    starter: `/**
 * Post-Change Password: called after a password change succeeded.
 * Good for notifications; the change does not wait for it.
 */
module.exports = function (user, context, cb) {
  console.log('password changed for', user.id)
  cb()
}
`,
  },
  {
    id: 'send-phone-message',
    title: 'Send Phone Message',
    summary:
      'Runs when a one-time code must be sent by SMS; blocking: it delivers the message through your own provider.',
    blocking: true,
    starter: `/**
 * Send Phone Message: deliver an MFA code through your own SMS provider.
 * Call cb() once the provider accepted the message, or cb(error) if it did not.
 */
module.exports = function (recipient, text, context, cb) {
  console.log('would send a', context.message_type, 'message to', recipient)
  cb(null, {})
}
`,
  },
]

export function pointOf(id: string): ExtensibilityPoint | undefined {
  return POINTS.find((p) => p.id === id)
}
