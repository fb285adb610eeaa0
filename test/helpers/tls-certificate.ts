import { execFileSync } from 'node:child_process'
import { join } from 'node:path'

/** How long openssl may take to make a key and a certificate. */
export const OPENSSL_TIMEOUT_MS = 30_000

/**
 * A throwaway self-signed certificate for `localhost` and 127.0.0.1 (an EC key, valid one day),
 * written as `<name>-cert.pem` and `<name>-key.pem` in `dir`: the command docs/migrating-from-auth0.md
 * shows. Made per run, never committed.
 */
export function makeCertificate(dir: string, name = 'localhost'): { cert: string; key: string } {
  const cert = join(dir, `${name}-cert.pem`)
  const key = join(dir, `${name}-key.pem`)
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'pipe', timeout: OPENSSL_TIMEOUT_MS },
  )
  return { cert, key }
}
