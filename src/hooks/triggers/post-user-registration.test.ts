import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { postChangePassword } from './post-change-password.js'
import { postUserRegistration } from './post-user-registration.js'
import type { FailedRun } from './trigger.js'

const common = { logs: [], durationMs: 1, cpuMs: 1 }

for (const trigger of [postUserRegistration, postChangePassword]) {
  describe(`${trigger.id} (compat §4.3, §4.4)`, () => {
    it('pass - non-blocking, (user, context), the user-registration classes', () => {
      assert.equal(trigger.blocking, false)
      assert.deepEqual(trigger.parameters, ['user', 'context'])
      assert.deepEqual(
        trigger.errorClasses.map((item) => item.name),
        ['ExtensibilityUserError', 'PreUserRegistrationError'],
      )
    })

    it('pass - its sample payload passes its checks', () => {
      assert.equal(trigger.validatePayload(trigger.samplePayload).ok, true)
    })

    it('fail - the shared compiler messages', () => {
      assert.deepEqual(trigger.validatePayload({ user: {}, context: {} }), {
        ok: false,
        message: 'Body.context.connection received by extensibility point is not an object',
      })
    })

    const results: { desc: string; raw: unknown; data: unknown }[] = [
      { desc: 'pass - cb() → {}', raw: undefined, data: {} },
      {
        desc: 'pass - any value is kept for the log only',
        raw: { anything: [1] },
        data: { anything: [1] },
      },
    ]
    for (const { desc, raw, data } of results) {
      it(desc, () => {
        assert.deepEqual(trigger.parseResult(raw), { ok: true, result: { data } })
      })
    }

    const failures: { desc: string; failed: FailedRun; logMessage: string }[] = [
      {
        desc: 'hook error → logged',
        failed: {
          kind: 'hook-error',
          error: { name: 'PreUserRegistrationError', message: 'm' },
          ...common,
        },
        logMessage: 'PreUserRegistrationError: m',
      },
      {
        desc: 'timeout → logged',
        failed: { kind: 'timeout', limit: 'timeoutMs', limitMs: 5, message: 'too slow', ...common },
        logMessage: 'too slow',
      },
      {
        desc: 'crash → logged',
        failed: { kind: 'crash', reason: 'gone', ...common },
        logMessage: 'the sandbox failed: gone',
      },
    ]
    for (const { desc, failed, logMessage } of failures) {
      it(desc, () => {
        assert.deepEqual(trigger.mapFailure(failed), { kind: 'logged', logMessage })
      })
    }
  })
}

describe('post-change-password sample payload (compat §4.4)', () => {
  it('is the password-change payload, not the registration one', () => {
    assert.deepEqual(postChangePassword.samplePayload.user, {
      id: 'abc123',
      username: 'user1',
      email: 'user1@foo.com',
      last_password_reset: '2019-02-27T14:14:29.206Z',
    })
  })
})
