import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { TRIGGER_IDS } from '../hook.js'
import { findTrigger, getTrigger, TRIGGERS } from './index.js'

describe('trigger registry', () => {
  it('holds exactly the five triggerIds, once each', () => {
    assert.deepEqual(
      TRIGGERS.map((trigger) => trigger.id),
      [
        'credentials-exchange',
        'pre-user-registration',
        'post-user-registration',
        'post-change-password',
        'send-phone-message',
      ],
    )
    assert.deepEqual([...TRIGGERS.map((trigger) => trigger.id)].sort(), [...TRIGGER_IDS].sort())
  })

  it('looks triggers up by id and refuses others', () => {
    for (const id of TRIGGER_IDS) assert.equal(getTrigger(id).id, id)
    assert.equal(findTrigger('password-exchange'), undefined)
    assert.equal(findTrigger('generic'), undefined)
  })

  it('declares blocking, parameters and classes per compat §1.1', () => {
    assert.deepEqual(
      TRIGGERS.map((t) => [
        t.id,
        t.blocking,
        t.parameters.join(','),
        t.errorClasses.map((c) => c.name).join(','),
      ]),
      [
        [
          'credentials-exchange',
          true,
          'client,scope,audience,context',
          'ExtensibilityUserError,InvalidRequestError,InvalidScopeError,ServerError',
        ],
        [
          'pre-user-registration',
          true,
          'user,context',
          'ExtensibilityUserError,PreUserRegistrationError',
        ],
        [
          'post-user-registration',
          false,
          'user,context',
          'ExtensibilityUserError,PreUserRegistrationError',
        ],
        [
          'post-change-password',
          false,
          'user,context',
          'ExtensibilityUserError,PreUserRegistrationError',
        ],
        [
          'send-phone-message',
          true,
          'recipient,text,context',
          'ExtensibilityUserError,SendPhoneMessageError',
        ],
      ],
    )
  })

  it('every sample payload passes its own checks', () => {
    for (const trigger of TRIGGERS) {
      assert.equal(trigger.validatePayload(trigger.samplePayload).ok, true, trigger.id)
    }
  })
})
