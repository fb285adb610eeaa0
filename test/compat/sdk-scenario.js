// One `auth0` SDK major against openhooks, unmodified: `node sdk-scenario.js v3|v4|v7`, with
// AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET and NODE_EXTRA_CA_CERTS in the environment.
// It runs the same hook and secret operations through each major's own API and prints what the
// SDK returned or threw, as one JSON object, for sdk.compat.ts to compare whole.
const [major] = process.argv.slice(2)
const domain = process.env.AUTH0_DOMAIN
const clientId = process.env.AUTH0_CLIENT_ID
const clientSecret = process.env.AUTH0_CLIENT_SECRET

const SCRIPT_CCE =
  'module.exports = function (client, scope, audience, context, cb) { cb(null, { scope }) }'
const SCRIPT_PCP = 'module.exports = function (user, context, cb) { cb() }'
const UNKNOWN_ID = '01ARZ3NDEKTSV4RRFFQ69G5FAV'

/** The same operations over each major's method names (compat §7.1). */
async function clientFor(version) {
  if (version === 'v3') {
    const { ManagementClient } = (await import('auth0-v3')).default
    const m = new ManagementClient({ domain, clientId, clientSecret })
    return {
      create: (body) => m.createHook(body),
      list: (params) => (params === undefined ? m.getHooks() : m.getHooks(params)),
      get: (id, params) => m.getHook({ id, ...params }),
      update: (id, body) => m.updateHook({ id }, body),
      delete: (id) => m.deleteHook({ id }),
      getSecrets: (id) => m.getHookSecrets({ id }),
      addSecrets: (id, secrets) => m.addHookSecrets({ id }, secrets),
      updateSecrets: (id, secrets) => m.updateHookSecrets({ id }, secrets),
      deleteSecrets: (id, names) => m.removeHookSecrets({ id }, names),
    }
  }
  if (version === 'v4') {
    const { ManagementClient } = await import('auth0-v4')
    const m = new ManagementClient({ domain, clientId, clientSecret })
    const data = async (promise) => (await promise).data
    return {
      create: (body) => data(m.hooks.create(body)),
      list: (params) => data(params === undefined ? m.hooks.getAll() : m.hooks.getAll(params)),
      get: (id, params) => data(m.hooks.get({ id, ...params })),
      update: (id, body) => data(m.hooks.update({ id }, body)),
      delete: (id) => data(m.hooks.delete({ id })),
      getSecrets: (id) => data(m.hooks.getSecrets({ id })),
      addSecrets: (id, secrets) => data(m.hooks.addSecrets({ id }, secrets)),
      updateSecrets: (id, secrets) => data(m.hooks.updateSecrets({ id }, secrets)),
      deleteSecrets: (id, names) => data(m.hooks.deleteSecrets({ id }, names)),
    }
  }
  if (version === 'v7') {
    const { ManagementClient } = await import('auth0')
    const m = new ManagementClient({ domain, clientId, clientSecret })
    return {
      create: (body) => m.hooks.create(body),
      // A Page: the items, the wrapper it came from, and the next page when there is one.
      list: async (params) => {
        const page = await m.hooks.list(params)
        const pages = [{ data: page.data, response: page.response }]
        while (page.hasNextPage()) {
          await page.getNextPage()
          pages.push({ data: page.data, response: page.response })
        }
        return pages
      },
      get: (id, params) => m.hooks.get(id, params),
      update: (id, body) => m.hooks.update(id, body),
      delete: (id) => m.hooks.delete(id),
      getSecrets: (id) => m.hooks.secrets.get(id),
      addSecrets: (id, secrets) => m.hooks.secrets.create(id, secrets),
      updateSecrets: (id, secrets) => m.hooks.secrets.update(id, secrets),
      deleteSecrets: (id, names) => m.hooks.secrets.delete(id, names),
    }
  }
  throw new Error(`unknown SDK major ${version}`)
}

/** What the SDK surfaced for an error: its class, status and message (and Auth0's body, if any). */
function describeError(error) {
  const body = error.body ?? error.originalError?.response?.body
  return {
    class: error.constructor?.name,
    name: error.name,
    statusCode: error.statusCode,
    message: error.message,
    ...(error.errorCode !== undefined ? { errorCode: error.errorCode } : {}),
    ...(body !== undefined && typeof body === 'object' ? { body } : {}),
  }
}

async function outcome(fn) {
  try {
    const value = await fn()
    return { ok: value === undefined ? null : value }
  } catch (error) {
    return { error: describeError(error) }
  }
}

const client = await clientFor(major)
const results = {}
const ids = {}
const record = async (step, fn) => {
  results[step] = await outcome(fn)
  return results[step]
}
const prefix = `sdk-${major.slice(1)}`

const alpha = await record('create alpha', () =>
  client.create({
    name: `${prefix}-alpha`,
    script: SCRIPT_CCE,
    triggerId: 'credentials-exchange',
    enabled: true,
    dependencies: { lodash: '4.17.21' },
  }),
)
ids.alpha = alpha.ok?.id
const beta = await record('create beta', () =>
  client.create({
    name: `${prefix}-beta`,
    script: SCRIPT_CCE,
    triggerId: 'credentials-exchange',
    enabled: false,
  }),
)
ids.beta = beta.ok?.id
const gamma = await record('create gamma (name normalised)', () =>
  client.create({
    name: `${prefix} Gamma Hook`,
    script: SCRIPT_PCP,
    triggerId: 'post-change-password',
  }),
)
ids.gamma = gamma.ok?.id
await record('create duplicate (409)', () =>
  client.create({ name: `${prefix}-alpha`, script: SCRIPT_CCE, triggerId: 'credentials-exchange' }),
)
await record('list', () => client.list())
await record('list with totals, two per page', async () => {
  if (major === 'v7') return client.list({ per_page: 2, page: 0 })
  return [
    await client.list({ include_totals: true, per_page: 2, page: 0 }),
    await client.list({ include_totals: true, per_page: 2, page: 1 }),
  ]
})
await record('get alpha with fields', () =>
  client.get(ids.alpha, { fields: 'name,enabled', include_fields: true }),
)
await record('update alpha', () =>
  client.update(ids.alpha, { script: `${SCRIPT_CCE}\n// v2`, dependencies: {} }),
)
await record('enable beta', () => client.update(ids.beta, { enabled: true }))
await record('get alpha after enabling beta', () => client.get(ids.alpha, { fields: 'enabled' }))
await record('add secrets', () => client.addSecrets(ids.beta, { S1: 'one', S2: 'two' }))
await record('add an existing secret (409)', () => client.addSecrets(ids.beta, { S1: 'again' }))
await record('update a secret', () => client.updateSecrets(ids.beta, { S1: 'uno' }))
await record('update an unknown secret (404)', () => client.updateSecrets(ids.beta, { NOPE: 'x' }))
await record('get secrets', () => client.getSecrets(ids.beta))
await record('delete a secret', () => client.deleteSecrets(ids.beta, ['S2']))
await record('get secrets after delete', () => client.getSecrets(ids.beta))
await record('delete gamma', () => client.delete(ids.gamma))
await record('get gamma after delete (404)', () => client.get(ids.gamma))
await record('delete gamma again (404)', () => client.delete(ids.gamma))
await record('get secrets of an unknown hook (404)', () => client.getSecrets(UNKNOWN_ID))
await record('delete alpha', () => client.delete(ids.alpha))
await record('delete beta', () => client.delete(ids.beta))
await record('list when empty', () => client.list())

process.stdout.write(`${JSON.stringify({ ids, results })}\n`)
