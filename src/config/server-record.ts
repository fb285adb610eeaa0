import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * File in the data folder where `openhooks serve` records the issuer it runs with, so that
 * `openhooks token` mints tokens for that issuer whatever `PORT` or `OPENHOOKS_ISSUER` the
 * shell that runs it has (docs/configuration.md, "openhooks token").
 */
export const SERVER_RECORD_FILE = 'server.json'

export interface ServerRecord {
  /** The `iss` of the server's tokens; the Management API audience is `${issuer}api/v2/`. */
  readonly issuer: string
}

/** Writes the record (mode 0600) through a temporary file, so a reader never sees half of it. */
export function writeServerRecord(dataDir: string, record: ServerRecord): void {
  const path = join(dataDir, SERVER_RECORD_FILE)
  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 })
  chmodSync(temporary, 0o600)
  renameSync(temporary, path)
}

/** The record `serve` wrote, or undefined when no server has started on this folder yet. */
export function readServerRecord(dataDir: string): ServerRecord | undefined {
  let text: string
  try {
    text = readFileSync(join(dataDir, SERVER_RECORD_FILE), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const parsed = JSON.parse(text) as Partial<ServerRecord>
  if (typeof parsed.issuer !== 'string' || !parsed.issuer.endsWith('/')) {
    throw new Error(`${join(dataDir, SERVER_RECORD_FILE)} does not hold an issuer URL`)
  }
  return { issuer: parsed.issuer }
}
