/** The options that say which server `export` and `import` talk to, and with which credentials. */
import type { ParseArgsConfig } from 'node:util'
import { UsageError } from './cli-io.js'
import type { Credentials } from './management-client.js'

/** The server a command talks to when neither `--url` nor `OPENHOOKS_URL` is given. */
export const DEFAULT_SERVER_URL = 'http://localhost:3000'

export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  token: { type: 'string' },
  audience: { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>

export const CONNECTION_USAGE = `Connection options (export and import):
  --url URL              The openhooks server (env OPENHOOKS_URL; default ${DEFAULT_SERVER_URL}).
  --client-id ID         Client credentials for POST /oauth/token (env OPENHOOKS_CLIENT_ID)...
  --client-secret SECRET ...and its secret (env OPENHOOKS_CLIENT_SECRET; prefer the environment).
  --audience URL         Token audience (default URL/api/v2/, which must match the server's
                         OPENHOOKS_ISSUER).
  --token TOKEN          A Management API access token instead (env OPENHOOKS_TOKEN).
`

export interface Connection {
  readonly url: string
  readonly credentials: Credentials
}

/** Flags win over the environment; a token wins over client credentials. */
export function connectionFrom(
  values: {
    readonly url?: string | undefined
    readonly 'client-id'?: string | undefined
    readonly 'client-secret'?: string | undefined
    readonly token?: string | undefined
    readonly audience?: string | undefined
  },
  env: Readonly<Record<string, string | undefined>>,
): Connection {
  const pick = (flag: string | undefined, name: string) =>
    flag !== undefined && flag !== '' ? flag : env[name] !== '' ? env[name] : undefined
  const raw = pick(values.url, 'OPENHOOKS_URL') ?? DEFAULT_SERVER_URL
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new UsageError(`--url must be an absolute http or https URL: ${raw}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--url must be an http or https URL: ${raw}`)
  }
  const base = url.href.replace(/\/+$/, '')
  const token = pick(values.token, 'OPENHOOKS_TOKEN')
  if (token !== undefined) return { url: base, credentials: { kind: 'token', token } }
  const clientId = pick(values['client-id'], 'OPENHOOKS_CLIENT_ID')
  const clientSecret = pick(values['client-secret'], 'OPENHOOKS_CLIENT_SECRET')
  if (clientId === undefined || clientSecret === undefined) {
    throw new UsageError(
      'no credentials: give --client-id and --client-secret (or OPENHOOKS_CLIENT_ID and OPENHOOKS_CLIENT_SECRET), or --token (or OPENHOOKS_TOKEN)',
    )
  }
  return {
    url: base,
    credentials: {
      kind: 'client-credentials',
      clientId,
      clientSecret,
      audience: values.audience ?? `${base}/api/v2/`,
    },
  }
}
