/**
 * `openhooks run FILE --trigger T`: runs a hook once on this machine, with the trigger's sample
 * payload merged with `--payload`, and prints its console output and result (docs/local-development.md).
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, type CliIo } from '../cli/cli-io.js'
import {
  EGRESS_MODES,
  parseEnvFile,
  readScript,
  startLocalRunner,
  triggerIdOf,
  type EgressMode,
} from './local-run.js'
import { declaredDependencies } from './hook-dependencies.js'

export const RUN_USAGE = `Usage: openhooks run FILE --trigger TRIGGER [options]

Runs the hook in FILE once, in the same sandbox and with the same limits as the server
(OPENHOOKS_HOOK_TIMEOUT_MS, OPENHOOKS_HOOK_MEMORY_MB), without a server or a database.

Options:
  --trigger T              credentials-exchange, pre-user-registration, post-user-registration,
                           post-change-password or send-phone-message (required)
  --payload JSON|@FILE     merged into the trigger's sample payload (objects key by key)
  --secrets-file FILE      KEY=value lines: the hook's context.webtask.secrets
  --egress MODE            public, allowlist (OPENHOOKS_EGRESS_ALLOW) or none (default: none)
  --dependency NAME@RANGE  an npm dependency (repeatable); added to those declared in a
                           package.json beside the hook or in its Deploy CLI metadata (NAME.json)
  --json                   print one JSON object: {status, data, logs, durationMs}

Dependencies are installed from the npm registry (OPENHOOKS_NPM_REGISTRY or npm's configuration)
and bundled as a save does; one that cannot run is refused with the Management API's error body.

Exit codes: 0 the hook succeeded, 1 the hook failed, 2 bad usage.
`

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new UsageError(`${what} is not valid JSON: ${(error as Error).message}`)
  }
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    throw new UsageError(
      `Cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    )
  }
}

export function egressOf(value: string | undefined): EgressMode {
  if (value === undefined) return 'none'
  if (!(EGRESS_MODES as readonly string[]).includes(value)) {
    throw new UsageError(`--egress must be one of: ${EGRESS_MODES.join(', ')}`)
  }
  return value as EgressMode
}

export async function runCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      trigger: { type: 'string' },
      payload: { type: 'string' },
      'secrets-file': { type: 'string' },
      egress: { type: 'string' },
      json: { type: 'boolean' },
      dependency: { type: 'string', multiple: true },
    },
  })
  if (positionals.length !== 1) throw new UsageError('Give exactly one hook file')
  const file = resolve(io.cwd, positionals[0] ?? '')
  const trigger = triggerIdOf(values.trigger)
  readScript(file) // a missing file is a usage error before the sandbox starts
  const dependencies = declaredDependencies(file, values.dependency ?? [])
  let payload: unknown
  if (values.payload !== undefined) {
    payload = values.payload.startsWith('@')
      ? parseJson(
          readText(resolve(io.cwd, values.payload.slice(1)), 'the payload file'),
          values.payload.slice(1),
        )
      : parseJson(values.payload, '--payload')
  }
  const secretsFile = values['secrets-file']
  const secrets =
    secretsFile === undefined
      ? {}
      : parseEnvFile(readText(resolve(io.cwd, secretsFile), 'the secrets file'), secretsFile)

  const runner = await startLocalRunner(io.env, egressOf(values.egress))
  try {
    const result = await runner.run({ file, trigger, payload, secrets, dependencies })
    if (result.kind === 'invalid-payload') {
      io.err(`The payload does not fit ${trigger}: ${result.message}\n`)
      return EXIT_USAGE
    }
    if (result.kind === 'dependency-error') {
      // The body a save of this hook would get from the Management API.
      if (values.json === true)
        io.out(`${JSON.stringify({ status: 'error', data: result.body, logs: [] })}\n`)
      else io.out(`Error (dependencies):\n${JSON.stringify(result.body, null, 2)}\n`)
      return EXIT_FAILURE
    }
    const { report } = result
    if (values.json === true) {
      io.out(`${JSON.stringify(report)}\n`)
    } else {
      for (const log of report.logs) io.out(`[${log.level}] ${log.message}\n`)
      io.out(
        `${report.status === 'success' ? 'Result' : 'Error'} (${Math.round(report.durationMs)} ms):\n`,
      )
      io.out(`${JSON.stringify(report.data, null, 2)}\n`)
    }
    return report.status === 'success' ? EXIT_OK : EXIT_FAILURE
  } finally {
    await runner.close()
  }
}
