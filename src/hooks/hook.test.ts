import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HOOK_NAME_PATTERN, normalizeHookName } from './hook.js'

describe('normalizeHookName (lodash kebabCase, compat §1.4 and Q3)', () => {
  const cases: [string, string][] = [
    ['test-hook520', 'test-hook-520'],
    ['test-hook150', 'test-hook-150'],
    ['pre-user-reg-hook', 'pre-user-reg-hook'],
    ['My Pre User Registration Hook', 'my-pre-user-registration-hook'],
    ['hook2', 'hook-2'],
    ['fooBar', 'foo-bar'],
    ['XMLHttpRequest', 'xml-http-request'],
    ['ABC', 'abc'],
    ['a', 'a'],
    ['1st hook', '1st-hook'],
    ['Pre  Reg', 'pre-reg'],
    ['a - b', 'a-b'],
    ['v2Hook', 'v-2-hook'],
  ]
  for (const [input, expected] of cases) {
    it(`${input} → ${expected}`, () => {
      assert.equal(normalizeHookName(input), expected)
    })
  }

  it('accepts exactly the names of Auth0’s pattern', () => {
    const pattern = new RegExp(HOOK_NAME_PATTERN)
    for (const ok of ['a', 'my-hook', 'My Hook 2', 'a-b c']) assert.ok(pattern.test(ok), ok)
    for (const bad of ['', '-a', 'a-', ' a', 'a ', 'my_hook', 'ünï'])
      assert.ok(!pattern.test(bad), bad)
  })
})
