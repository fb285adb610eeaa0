/**
 * `GET /api/v2/openapi.json`: an OpenAPI 3 document generated from the route schemas, listing the
 * nine hook operations with their scopes (compat §2.5) and request body schemas (§2.4, §2.6).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp, TEST_ISSUER } from '../helpers/build-test-app.js'
import { JSON_CONTENT_TYPE, assertRateLimitHeaders } from '../helpers/management.js'

type Json = Record<string, unknown>

interface Operation {
  security?: Record<string, string[]>[]
  parameters?: { name: string; in: string; required?: boolean; schema?: Json }[]
  requestBody?: { required?: boolean; content: Record<string, { schema: Json }> }
  responses: Record<string, Json>
}

interface Document {
  openapi: string
  info: { title: string; version: string }
  servers: { url: string }[]
  components: { securitySchemes: Record<string, Json> }
  paths: Record<string, Record<string, Operation>>
}

/** The nine operations, their scope, success status and error statuses (compat §2.5). */
const OPERATIONS = [
  ['get', '/hooks', 'read:hooks', '200', ['400', '401', '403', '429']],
  ['post', '/hooks', 'create:hooks', '201', ['400', '401', '403', '409', '429']],
  ['get', '/hooks/{id}', 'read:hooks', '200', ['400', '401', '403', '404', '429']],
  ['patch', '/hooks/{id}', 'update:hooks', '200', ['400', '401', '403', '404', '409', '429']],
  ['delete', '/hooks/{id}', 'delete:hooks', '204', ['400', '401', '403', '404', '429']],
  ['get', '/hooks/{id}/secrets', 'read:hooks', '200', ['400', '401', '403', '404', '429']],
  [
    'post',
    '/hooks/{id}/secrets',
    'update:hooks',
    '201',
    ['400', '401', '403', '404', '409', '429'],
  ],
  ['patch', '/hooks/{id}/secrets', 'update:hooks', '201', ['400', '401', '403', '404', '429']],
  ['delete', '/hooks/{id}/secrets', 'delete:hooks', '204', ['400', '401', '403', '404', '429']],
] as const

/** The keywords an OpenAPI 3.0 Schema Object may hold (OAS 3.0.3 §4.7.24), besides `x-…`. */
const OAS30_SCHEMA_KEYWORDS = new Set([
  'title',
  'multipleOf',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxProperties',
  'minProperties',
  'required',
  'enum',
  'type',
  'allOf',
  'oneOf',
  'anyOf',
  'not',
  'items',
  'properties',
  'additionalProperties',
  'description',
  'format',
  'default',
  'nullable',
  'discriminator',
  'readOnly',
  'writeOnly',
  'xml',
  'externalDocs',
  'example',
  'deprecated',
])

/** Every schema-keyword problem under `schema`, as `path: keyword`. */
function oas30Problems(schema: unknown, path: string): string[] {
  if (typeof schema !== 'object' || schema === null) return []
  const problems: string[] = []
  for (const [key, value] of Object.entries(schema as Json)) {
    if (!OAS30_SCHEMA_KEYWORDS.has(key) && !key.startsWith('x-')) problems.push(`${path}: ${key}`)
    if (key === 'properties') {
      for (const [name, sub] of Object.entries(value as Json)) {
        problems.push(...oas30Problems(sub, `${path}.properties.${name}`))
      }
    } else if (['items', 'additionalProperties', 'not'].includes(key)) {
      problems.push(...oas30Problems(value, `${path}.${key}`))
    } else if (['allOf', 'oneOf', 'anyOf'].includes(key)) {
      for (const [i, sub] of (value as unknown[]).entries()) {
        problems.push(...oas30Problems(sub, `${path}.${key}[${i}]`))
      }
    }
  }
  return problems
}

test('GET /api/v2/openapi.json', async (t) => {
  // One app and one document for every check below.
  const app = await buildTestApp(t)
  const raw = await app.server.inject({ method: 'GET', url: '/api/v2/openapi.json' })
  const doc = raw.json<Document>()
  const it = (name: string, fn: () => void) => t.test(name, fn)

  const op = (method: string, path: string): Operation => {
    const found = doc.paths[path]?.[method]
    assert.ok(found, `${method.toUpperCase()} ${path} is not in the document`)
    return found
  }

  await it('is served without a token, as JSON, with the rate-limit headers', () => {
    assert.equal(raw.statusCode, 200)
    assert.equal(raw.headers['content-type'], JSON_CONTENT_TYPE)
    assertRateLimitHeaders(raw)
  })

  await it('looks like an OpenAPI 3 document', () => {
    assert.match(doc.openapi, /^3\.\d+\.\d+$/)
    assert.equal(typeof doc.info.title, 'string')
    assert.ok(doc.info.title.length > 0)
    assert.equal(typeof doc.info.version, 'string')
    assert.deepStrictEqual(doc.servers, [{ url: `${TEST_ISSUER}api/v2` }])
    for (const [path, item] of Object.entries(doc.paths)) {
      assert.match(path, /^\/[^:]*$/, `path ${path} must use {param} templates`)
      for (const [method, operation] of Object.entries(item)) {
        assert.ok(['get', 'post', 'patch', 'delete', 'put'].includes(method), method)
        assert.equal(typeof operation.responses, 'object')
      }
    }
  })

  await it("lists exactly Auth0's nine hook operations under /hooks, plus the Runner's, the log stream's, the versions', the settings' and the health's", () => {
    const listed = Object.entries(doc.paths)
      .filter(([path]) => path === '/hooks' || path.startsWith('/hooks/'))
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`))
      .sort()
    const runner = [
      'post /hooks/{id}/test',
      'get /hooks/triggers/{triggerId}/sample-payload',
      'post /hooks/triggers/{triggerId}/syntax-check',
      'get /hooks/{id}/logs/stream',
      'get /hooks/{id}/versions',
      'get /hooks/{id}/versions/{number}',
      'post /hooks/{id}/versions/{number}/deploy',
      'get /hooks/{id}/settings',
      'patch /hooks/{id}/settings',
      'get /hooks/health',
    ]
    assert.deepStrictEqual(listed, [...OPERATIONS.map(([m, p]) => `${m} ${p}`), ...runner].sort())
    assert.equal(doc.paths['/openapi.json'], undefined, 'the document does not list itself')
  })

  await it("names each operation's scope in its security requirements (OAS security blocks)", () => {
    const schemes = doc.components.securitySchemes
    for (const [method, path, scope] of OPERATIONS) {
      const security = op(method, path).security
      assert.ok(security && security.length > 0, `${method} ${path} has no security`)
      for (const requirement of security) {
        for (const name of Object.keys(requirement)) {
          assert.ok(schemes[name], `${method} ${path}: unknown security scheme ${name}`)
        }
      }
      const oauth = security.filter((r) =>
        Object.keys(r).some((name) => schemes[name]?.type === 'oauth2'),
      )
      assert.ok(oauth.length > 0, `${method} ${path} has no oauth2 requirement`)
      for (const requirement of oauth) {
        const [name, scopes] = Object.entries(requirement)[0] ?? []
        assert.deepStrictEqual(scopes, [scope], `${method} ${path}`)
        const flow = (schemes[name ?? '']?.flows as Json | undefined)?.clientCredentials as
          { tokenUrl: string; scopes: Json } | undefined
        assert.ok(flow, `${name ?? ''} has no clientCredentials flow`)
        assert.equal(flow.tokenUrl, `${TEST_ISSUER}oauth/token`)
        assert.ok(scope in flow.scopes, `${scope} is not declared on ${name ?? ''}`)
      }
    }
  })

  await it('documents the versions and settings operations (issue 22) with their scopes and success bodies', () => {
    const schemes = doc.components.securitySchemes
    for (const [method, path, scope] of [
      ['get', '/hooks/{id}/versions', 'read:hooks'],
      ['get', '/hooks/{id}/versions/{number}', 'read:hooks'],
      ['post', '/hooks/{id}/versions/{number}/deploy', 'update:hooks'],
      ['get', '/hooks/{id}/settings', 'read:hooks'],
      ['patch', '/hooks/{id}/settings', 'update:hooks'],
    ] as const) {
      const operation = op(method, path)
      const oauth = (operation.security ?? []).filter((r) =>
        Object.keys(r).some((name) => schemes[name]?.type === 'oauth2'),
      )
      assert.deepStrictEqual(
        oauth.map((r) => Object.values(r)[0]),
        [[scope]],
        `${method} ${path}`,
      )
      assert.ok(operation.responses['200'], `${method} ${path} documents its 200`)
    }
  })

  await it('lists scopes only for oauth2/openIdConnect schemes, as OpenAPI 3.0 requires', () => {
    if (!doc.openapi.startsWith('3.0.')) return
    const schemes = doc.components.securitySchemes
    const problems: string[] = []
    for (const [method, path] of OPERATIONS) {
      for (const requirement of op(method, path).security ?? []) {
        for (const [name, scopes] of Object.entries(requirement)) {
          const type = schemes[name]?.type
          if (type !== 'oauth2' && type !== 'openIdConnect' && scopes.length > 0) {
            problems.push(`${method} ${path}: ${name} (${String(type)}) lists ${scopes.join(',')}`)
          }
        }
      }
    }
    assert.deepStrictEqual(problems, [])
  })

  await it('documents the success status of each operation, with a JSON body unless 204', () => {
    for (const [method, path, , success] of OPERATIONS) {
      const response = op(method, path).responses[success]
      assert.ok(response, `${method} ${path} lacks ${success}`)
      if (success !== '204') {
        assert.ok((response.content as Json | undefined)?.['application/json'], `${method} ${path}`)
      }
    }
  })

  await it('documents the error statuses of the compat §2.5 table', () => {
    const missing: string[] = []
    for (const [method, path, , , errors] of OPERATIONS) {
      for (const status of errors) {
        if (op(method, path).responses[status] === undefined)
          missing.push(`${method} ${path} ${status}`)
      }
    }
    assert.deepStrictEqual(missing, [])
  })

  await it('declares the id path parameter and the list query parameters', () => {
    for (const [method, path] of OPERATIONS.filter(([, p]) => p.includes('{id}'))) {
      const id = op(method, path).parameters?.find((p) => p.name === 'id')
      assert.ok(id, `${method} ${path} has no id parameter`)
      assert.equal(id.in, 'path')
      assert.equal(id.required, true)
    }
    const query = op('get', '/hooks').parameters ?? []
    assert.deepStrictEqual(query.map((p) => [p.name, p.in, p.required]).sort(), [
      ['enabled', 'query', false],
      ['fields', 'query', false],
      ['include_fields', 'query', false],
      ['include_totals', 'query', false],
      ['page', 'query', false],
      ['per_page', 'query', false],
      ['triggerId', 'query', false],
    ])
    const perPage = query.find((p) => p.name === 'per_page')?.schema
    assert.equal(perPage?.minimum, 0)
    assert.equal(perPage.maximum, 100)
  })

  await it('gives POST /hooks a body that requires name, script and triggerId, and nothing else', () => {
    const body = op('post', '/hooks').requestBody
    assert.ok(body)
    assert.equal(body.required, true)
    for (const media of ['application/json', 'application/x-www-form-urlencoded']) {
      const schema: Json | undefined = body.content[media]?.schema
      assert.ok(schema, `no ${media} schema`)
      assert.equal(schema.type, 'object')
      assert.deepStrictEqual([...(schema.required as string[])].sort(), [
        'name',
        'script',
        'triggerId',
      ])
      assert.equal(schema.additionalProperties, false)
      const properties = schema.properties as Record<string, Json>
      assert.deepStrictEqual(Object.keys(properties).sort(), [
        'dependencies',
        'enabled',
        'name',
        'script',
        'triggerId',
      ])
      assert.equal(properties.name?.pattern, '^[a-zA-Z0-9]([ \\-a-zA-Z0-9]*[a-zA-Z0-9])?$')
      assert.equal(properties.name.description, 'Name of this hook.')
      assert.equal(properties.script?.minLength, 1)
      assert.equal(properties.enabled?.type, 'boolean')
      assert.deepStrictEqual(properties.triggerId?.enum, [
        'credentials-exchange',
        'pre-user-registration',
        'post-user-registration',
        'post-change-password',
        'send-phone-message',
      ])
    }
  })

  await it('gives PATCH /hooks/{id} a body without triggerId that needs at least one property', () => {
    const schema = op('patch', '/hooks/{id}').requestBody?.content['application/json']?.schema
    assert.ok(schema)
    assert.equal(schema.additionalProperties, false)
    assert.equal(schema.minProperties, 1)
    assert.equal(schema.required, undefined)
    assert.deepStrictEqual(Object.keys(schema.properties as Json).sort(), [
      'dependencies',
      'enabled',
      'name',
      'script',
    ])
  })

  await it('gives the secret writes a string map of 1 to 20 entries, and DELETE an array of names', () => {
    for (const method of ['post', 'patch']) {
      const schema = op(method, '/hooks/{id}/secrets').requestBody?.content['application/json']
        ?.schema
      assert.ok(schema, `${method} secrets has no body`)
      assert.equal(schema.type, 'object')
      assert.equal(schema.minProperties, 1)
      assert.equal(schema.maxProperties, 20)
      assert.equal((schema.additionalProperties as Json).type, 'string')
    }
    const names = op('delete', '/hooks/{id}/secrets').requestBody?.content['application/json']
      ?.schema
    assert.ok(names)
    assert.equal(names.type, 'array')
    assert.equal(names.minItems, 1)
    assert.equal((names.items as Json).type, 'string')
    for (const [method, path] of [
      ['get', '/hooks'],
      ['get', '/hooks/{id}'],
      ['delete', '/hooks/{id}'],
      ['get', '/hooks/{id}/secrets'],
    ] as const) {
      assert.equal(op(method, path).requestBody, undefined, `${method} ${path} has a body`)
    }
  })

  await it('uses only Schema Object keywords of the OpenAPI version it declares', () => {
    if (!doc.openapi.startsWith('3.0.')) return
    const problems: string[] = []
    for (const [method, path] of OPERATIONS) {
      const operation = op(method, path)
      for (const p of operation.parameters ?? []) {
        problems.push(...oas30Problems(p.schema, `${method} ${path} parameter ${p.name}`))
      }
      for (const [media, { schema }] of Object.entries(operation.requestBody?.content ?? {})) {
        problems.push(...oas30Problems(schema, `${method} ${path} body ${media}`))
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        const content = (response.content ?? {}) as Record<string, { schema: unknown }>
        for (const [media, { schema }] of Object.entries(content)) {
          problems.push(...oas30Problems(schema, `${method} ${path} ${status} ${media}`))
        }
      }
    }
    assert.deepStrictEqual(problems, [])
  })
})
