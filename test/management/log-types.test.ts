import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { TENANT_LOG_TYPES } from '../../src/tenant-log/tenant-log.js'
import { buildTestApp } from '../helpers/build-test-app.js'

describe('GET /api/v2/logs/event-types (issue 18, item 14)', () => {
  it('lists every event type of the catalogue with its description, the MFA ones included', async (t) => {
    const app = await buildTestApp(t)
    const res = await app.api('GET', '/api/v2/logs/event-types')
    assert.equal(res.statusCode, 200)
    assert.match(String(res.headers['content-type']), /^application\/json/)
    const body = res.json<{ type: string; description: string }[]>()
    assert.deepStrictEqual(
      body,
      Object.entries(TENANT_LOG_TYPES).map(([type, description]) => ({ type, description })),
    )
    for (const [type, description] of [
      ['gd_auth_succeed', 'OTP Auth success'],
      ['gd_enrollment_complete', 'Guardian Enrollment Complete'],
      ['seoobft', 'Success Exchange (Password and OOB Challenge for Access Token)'],
      ['feoobft', 'Failed Exchange (Password and OOB Challenge for Access Token)'],
    ]) {
      assert.deepStrictEqual(
        body.find((entry) => entry.type === type),
        { type, description },
      )
    }
  })

  it('needs read:logs', async (t) => {
    const app = await buildTestApp(t)
    const token = await app.token(['read:hooks'])
    const res = await app.server.inject({
      method: 'GET',
      url: '/api/v2/logs/event-types',
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(res.statusCode, 403)
    assert.deepStrictEqual(res.json(), {
      statusCode: 403,
      error: 'Forbidden',
      message: 'Insufficient scope, expected any of: read:logs',
      errorCode: 'insufficient_scope',
    })
  })
})
