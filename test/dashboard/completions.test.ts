/**
 * The hook editor's completions (issue 22) come from src/hooks/hook-declarations.ts, the same
 * description `openhooks types` renders: fields after a dot, with the script's own argument names.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { declaredParameters, hookCompletions } from '../../dashboard/src/completions.js'

const labels = (found: ReturnType<typeof hookCompletions>) => found?.options.map((o) => o.label)

describe('hook editor completions', () => {
  it('completes context.webtask. with secrets, and the user fields of a signup hook', () => {
    const script = 'module.exports = function (user, context, cb) {\n'
    const webtask = hookCompletions('pre-user-registration', '  const k = context.webtask.', script)
    assert.deepEqual(labels(webtask), ['secrets', 'meta', 'body', 'headers', 'query'])
    assert.equal(webtask?.from, '  const k = context.webtask.'.length)
    const user = hookCompletions('pre-user-registration', 'if (user.em', script)
    assert.equal(user?.from, 'if (user.'.length)
    assert.ok(labels(user)?.includes('emailVerified'))
    assert.ok(labels(user)?.includes('password'))
    assert.deepEqual(
      labels(hookCompletions('pre-user-registration', 'context.connection.', script)),
      ['id', 'name', 'tenant'],
    )
  })

  it("follows the script's own argument names, and offers the point's error classes", () => {
    const script = 'module.exports = async function hook(c, s, aud, ctx, done) {}'
    assert.deepEqual(declaredParameters(script), ['c', 's', 'aud', 'ctx', 'done'])
    assert.ok(
      labels(hookCompletions('credentials-exchange', 'ctx.webtask.', script))?.includes('secrets'),
    )
    assert.deepEqual(labels(hookCompletions('credentials-exchange', 'c.', script)), [
      'id',
      'name',
      'tenant',
      'metadata',
    ])
    assert.deepEqual(labels(hookCompletions('credentials-exchange', 'new Inv', script)), [
      'InvalidRequestError',
      'InvalidScopeError',
    ])
    assert.deepEqual(labels(hookCompletions('send-phone-message', 'new Send', '')), [
      'SendPhoneMessageError',
    ])
  })

  it('offers nothing for an unknown path or a plain string field', () => {
    const script = 'module.exports = function (user, context, cb) {}'
    assert.equal(hookCompletions('post-change-password', 'context.nothing.', script), undefined)
    assert.equal(hookCompletions('post-change-password', 'user.email.', script), undefined)
  })
})
