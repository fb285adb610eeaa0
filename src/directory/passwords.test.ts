import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { checkPassword, hashPassword, verifyPassword } from './passwords.js'

describe('passwords', () => {
  it('hashes with scrypt and a fresh salt, and verifies', async () => {
    const a = await hashPassword('correct horse')
    const b = await hashPassword('correct horse')
    assert.match(a, /^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/)
    assert.notEqual(a, b)
    assert.equal(await verifyPassword('correct horse', a), true)
    assert.equal(await verifyPassword('correct horsE', a), false)
    assert.equal(await verifyPassword('x', 'bcrypt$whatever'), false)
  })

  const cases: [string, Parameters<typeof checkPassword>[1], boolean][] = [
    ['a', 'none', true],
    ['abcde', 'low', false],
    ['abcdef', 'low', true],
    ['abcdefgh', 'fair', false],
    ['abcDEF12', 'fair', true],
    ['abcdefg1', 'good', false],
    ['abcdEFG1', 'good', true],
    ['abcd!fg1', 'good', true],
    ['abcdEFG1x', 'excellent', false],
    ['abcdEFG1xy', 'excellent', true],
    ['aaabEFG1xy', 'excellent', false],
  ]
  for (const [password, policy, verified] of cases) {
    it(`${policy}: ${password} is ${verified ? 'accepted' : 'refused'}`, () => {
      assert.equal(checkPassword(password, policy).verified, verified)
    })
  }

  it('describes the policy as Auth0 does', () => {
    const check = checkPassword('abc', 'good')
    assert.equal(
      check.policyText,
      [
        '* At least 8 characters in length',
        '* Contain at least 3 of the following 4 types of characters:',
        '  * lower case letters (a-z)',
        '  * upper case letters (A-Z)',
        '  * numbers (i.e. 0-9)',
        '  * special characters (e.g. !@#$%^&*)',
      ].join('\n'),
    )
    assert.equal(checkPassword('abc', 'low', 12).rules[0]?.format?.[0], 12)
  })
})
