/**
 * `post-change-password` (compat §4.4): after a password change commits, the enabled hook runs
 * detached with `user.{id, username, email, last_password_reset}` and `context.connection`; the
 * change never waits for it. Success writes `scph`, failure `fcph` to the tenant log.
 */
import type { AttackProtection } from './attack-protection.js'
import type { HookDispatcher } from '../hooks/hook-dispatcher.js'
import { withSpan } from '../observability/tracing.js'
import { postChangePassword } from '../hooks/triggers/post-change-password.js'
import { describeFailure } from '../hooks/triggers/trigger.js'
import { toWireUserId } from '../directory/users.js'
import type { ConnectionStore, UserRecord } from '../storage/store.js'
import type { TenantLog } from '../tenant-log/tenant-log.js'
import { hookLogDetails } from './hook-log.js'

export interface ChangePasswordDeps {
  readonly store: ConnectionStore
  readonly tenant: string
  readonly hooks: HookDispatcher
  readonly tenantLog: TenantLog
  /** Runs work after the response, detached from the request. */
  readonly runDetached: (task: () => Promise<void>) => void
  /** A successful change lifts the user's brute-force blocks (flows/attack-protection.ts). */
  readonly attackProtection?: AttackProtection
}

async function runPostChangePassword(deps: ChangePasswordDeps, user: UserRecord): Promise<void> {
  const connection = await deps.store.getConnection(user.connectionId)
  const dispatched = await deps.hooks.dispatch(postChangePassword, {
    user: {
      id: user.id,
      ...(user.username !== undefined ? { username: user.username } : undefined),
      ...(user.email !== undefined ? { email: user.email } : undefined),
      last_password_reset: user.lastPasswordReset ?? new Date().toISOString(),
    },
    context: {
      connection: {
        id: user.connectionId,
        name: connection?.name ?? '',
        tenant: deps.tenant,
      },
    },
  })
  if (dispatched === undefined) return
  const { hook, run } = dispatched
  const fields = {
    userId: toWireUserId(user.id),
    ...(user.email !== undefined ? { userName: user.email } : undefined),
    hookId: hook.id,
  }
  switch (run.kind) {
    case 'succeeded':
      await deps.tenantLog.record({
        type: 'scph',
        ...fields,
        details: { hook: hookLogDetails(hook, run.outcome) },
      })
      return
    case 'failed':
      await deps.tenantLog.record({
        type: 'fcph',
        description: describeFailure(run.failed),
        ...fields,
        details: { hook: hookLogDetails(hook, run.outcome, describeFailure(run.failed)) },
      })
      return
    case 'invalid-payload':
      await deps.tenantLog.record({
        type: 'fcph',
        description: run.message,
        ...fields,
        details: { error: run.message },
      })
      return
  }
}

/** Call after a password change has committed; returns at once. */
export function afterPasswordChange(deps: ChangePasswordDeps, user: UserRecord): void {
  // The span is in the trace of the request that changed the password; it ends after it.
  deps.runDetached(() =>
    withSpan('flow.post_change_password', {}, async () => {
      await deps.attackProtection?.liftBlocksOf(user)
      await runPostChangePassword(deps, user)
    }),
  )
}
