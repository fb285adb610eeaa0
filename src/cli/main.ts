import { parseArgs } from 'node:util'
import { ConfigError } from '../config/load-config.js'
import { processIo, runWithUsage } from './cli-io.js'
import { EXPORT_USAGE, exportCommand } from './export.js'
import { IMPORT_USAGE, importCommand } from './import.js'
import { RUN_USAGE, runCommand } from '../local/run-command.js'
import { TEST_USAGE, testCommand } from '../local/test-command.js'
import { TYPES_USAGE, typesCommand } from '../local/types-command.js'
import { MANAGEMENT_SCOPES } from '../tokens/management-scopes.js'

const USAGE = `Usage: openhooks <command> [options]

Commands:
  serve                  Start the server (configuration from the environment; see docs/configuration.md).
  token [--scope S]      Print a Management API access token for the admin client, minted locally
                         from the server's data folder (no HTTP needed), for the issuer the server
                         recorded there. Needs the server's OPENHOOKS_DATA_DIR (and
                         OPENHOOKS_MASTER_KEY, OPENHOOKS_ADMIN_CLIENT_ID when the server has them);
                         it never creates a data folder. --scope takes a space-separated list; the
                         default is every Management API scope.
  export --format directory|yaml --out DIR
                         Write the server's hooks as Auth0 Deploy CLI files (over HTTP).
  import --format directory|yaml --in DIR [--dry-run] [--delete] [--keywords FILE]
                         Make the server's hooks match Auth0 Deploy CLI files (over HTTP).
                         "openhooks export --help" and "import --help" list their options.
  run FILE --trigger T [--payload JSON|@FILE] [--secrets-file .env] [--egress MODE]
      [--dependency NAME@RANGE] [--json]
                         Run a hook once on this machine, in the server's sandbox (no server);
                         npm dependencies beside the hook are installed as a save does.
  test [DIR] [--reporter spec|tap]
                         Run the *.hook-test.json cases under DIR (see docs/local-development.md).
  types --out DIR        Write TypeScript declarations of each extensibility point's script.
  help                   Show this text.
`

/** Exit codes: 0 ok, 1 operational error, 2 usage. */
async function run(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'serve': {
      parseArgs({ args: rest, options: {}, strict: true })
      // Loaded on demand: export and import talk HTTP and need none of the server's modules.
      const { startServer } = await import('../main.js')
      await startServer(process.env, (text) => process.stdout.write(text))
      return 0
    }
    case 'token': {
      const { values } = parseArgs({
        args: rest,
        options: { scope: { type: 'string' } },
        strict: true,
      })
      const requested = values.scope?.split(' ').filter(Boolean) ?? [...MANAGEMENT_SCOPES]
      const unknown = requested.filter((s) => !(MANAGEMENT_SCOPES as readonly string[]).includes(s))
      if (unknown.length > 0) {
        process.stderr.write(`Unknown scope: ${unknown.join(', ')}\n`)
        return 2
      }
      const { mintAdminToken } = await import('../local/local-token.js')
      const { token, warnings } = await mintAdminToken(process.env, requested)
      for (const warning of warnings) process.stderr.write(`${warning}\n`)
      process.stdout.write(`${token}\n`)
      return 0
    }
    case 'export':
    case 'import':
    case 'run':
    case 'test':
    case 'types': {
      const [usage, handler] = {
        export: [EXPORT_USAGE, exportCommand] as const,
        import: [IMPORT_USAGE, importCommand] as const,
        run: [RUN_USAGE, runCommand] as const,
        test: [TEST_USAGE, testCommand] as const,
        types: [TYPES_USAGE, typesCommand] as const,
      }[command]
      if (rest.includes('--help') || rest.includes('-h')) {
        process.stdout.write(usage)
        return 0
      }
      const io = processIo()
      return runWithUsage(io, usage, () => handler(rest, io))
    }
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE)
      return 0
    case undefined:
    default:
      process.stderr.write(USAGE)
      return 2
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`)
      process.exitCode = 1
    } else if (
      error instanceof TypeError &&
      (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
    ) {
      process.stderr.write(`${error.message}\n\n${USAGE}`)
      process.exitCode = 2
    } else {
      process.stderr.write(
        `openhooks: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      )
      process.exitCode = 1
    }
  },
)
