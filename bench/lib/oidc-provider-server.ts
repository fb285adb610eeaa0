/**
 * The peer of the token endpoint bench (issue 23): panva's `oidc-provider`, the most used certified
 * Node OpenID server, configured for what openhooks' `/oauth/token` does in the bench: the client
 * credentials grant, client_secret_post authentication, an RS256 JWT access token for one API
 * (a resource indicator) with its scope. Its own process, on 127.0.0.1, with its default in-memory
 * adapter (a client-credentials JWT is not stored). Started by `startOidcProviderServer`
 * (bench/lib/processes.ts); answers `{ url, body, pid }` once listening.
 */
import { createServer } from 'node:http'
import { exportJWK, generateKeyPair } from 'jose'
import Provider from 'oidc-provider'
import { BENCH_AUDIENCE } from './setup.js'

const ISSUER = 'https://oidc-provider.bench/'
const CLIENT_ID = 'bench'
/** A client secret as long as the ones openhooks generates. */
const CLIENT_SECRET = 'bench-secret-0123456789abcdef0123456789abcdef0123456789abcdef'
const SCOPE = 'read:things'
/** Access token lifetime, in seconds: openhooks' default for an API. */
const ACCESS_TOKEN_TTL_S = 86_400

const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true })
const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'bench' }

const provider = new Provider(ISSUER, {
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  jwks: { keys: [jwk] },
  ttl: { ClientCredentials: ACCESS_TOKEN_TTL_S },
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => BENCH_AUDIENCE,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx: unknown, resource: string) => {
        if (resource !== BENCH_AUDIENCE) throw new Error(`unknown resource ${resource}`)
        return {
          scope: SCOPE,
          audience: BENCH_AUDIENCE,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }
      },
    },
  },
})
provider.proxy = false

const server = createServer(provider.callback())
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    resource: BENCH_AUDIENCE,
    scope: SCOPE,
  }).toString()
  process.send?.({ url: `http://127.0.0.1:${String(address.port)}`, body, pid: process.pid })
})
process.on('disconnect', () => {
  server.close()
  server.closeAllConnections()
})
