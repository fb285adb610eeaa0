/**
 * `openhooks export --format directory|yaml --out DIR`: writes the server's hooks in the Auth0
 * Deploy CLI's files (compat §6.2–6.3), the same bytes `a0deploy export` writes. Secrets are
 * written as `_VALUE_NOT_SHOWN_`: the API never returns values.
 */
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliIo } from './cli-io.js'
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connectionFrom } from './connection.js'
import { renderDirectoryFormat } from './formats/directory.js'
import { renderYamlFormat } from './formats/yaml.js'
import { HOOKS_DIRECTORY, writeFileSet, type ExportedHook } from './hook-files.js'
import { errorText } from './keywords.js'
import { ManagementClient, ManagementRequestError, type RetryTiming } from './management-client.js'

export const FORMATS = ['directory', 'yaml'] as const
export type Format = (typeof FORMATS)[number]

export const EXPORT_USAGE = `Usage: openhooks export --format directory|yaml --out DIR [connection options]

Writes every hook of the server to DIR in the Auth0 Deploy CLI's files: hooks/<name>.json and
hooks/<name>.js (directory), or tenant.yaml and hooks/<name>.js (yaml). Existing files of the same
names are overwritten; other files are left alone. Secret values read _VALUE_NOT_SHOWN_.

${CONNECTION_USAGE}`

/** Test seams: shorter retry timing. */
export interface CommandDeps {
  readonly timing?: Partial<RetryTiming>
}

export function parseFormat(value: string | undefined): Format {
  if (value === undefined) throw new UsageError('--format is required: directory or yaml')
  if (!(FORMATS as readonly string[]).includes(value)) {
    throw new UsageError(`--format must be directory or yaml, not ${value}`)
  }
  return value as Format
}

export async function exportCommand(
  args: readonly string[],
  io: CliIo,
  deps: CommandDeps = {},
): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { ...CONNECTION_OPTIONS, format: { type: 'string' }, out: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  })
  const format = parseFormat(values.format)
  if (values.out === undefined || values.out === '') throw new UsageError('--out DIR is required')
  const out = resolve(io.cwd, values.out)
  const connection = connectionFrom(values, io.env)
  const client = new ManagementClient({
    ...connection,
    ...(deps.timing !== undefined ? { timing: deps.timing } : undefined),
    onRetry: (message) => io.err(`${message}\n`),
  })

  let hooks: ExportedHook[]
  try {
    const listed = await client.listHooks()
    hooks = []
    for (const hook of listed) {
      const secretNames = await client.secretNames(hook.id)
      hooks.push({
        name: hook.name,
        script: hook.script,
        dependencies: hook.dependencies,
        enabled: hook.enabled,
        triggerId: hook.triggerId,
        secretNames: [...secretNames].sort(),
      })
    }
  } catch (error) {
    if (!(error instanceof ManagementRequestError)) throw error
    io.err(`openhooks export: ${error.message}\nNothing was written.\n`)
    return EXIT_FAILURE
  }

  let written: string[]
  try {
    const files = format === 'directory' ? renderDirectoryFormat(hooks) : renderYamlFormat(hooks)
    // a0deploy creates the folder even when there are no hooks; an empty one imports as "none".
    mkdirSync(join(out, HOOKS_DIRECTORY), { recursive: true })
    written = writeFileSet(out, files)
  } catch (error) {
    io.err(`openhooks export: cannot write to ${out}: ${errorText(error)}\n`)
    return EXIT_FAILURE
  }
  for (const path of written) io.out(`${path}\n`)
  io.out(
    `Exported ${hooks.length} hook${hooks.length === 1 ? '' : 's'} to ${out} (${format} format).\n`,
  )
  return EXIT_OK
}
