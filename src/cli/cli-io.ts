/**
 * What a CLI command may touch: its arguments come separately, everything else goes through this
 * object, so that tests run commands in-process and read what they printed.
 */
export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>
  /** Relative paths in arguments are resolved against it. */
  readonly cwd: string
  /** Results (stdout). */
  out(text: string): void
  /** Diagnostics (stderr). */
  err(text: string): void
}

/** Exit codes of every command (STYLE.md §15). */
export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

/** A bad command line: the command prints the message and the usage, and exits with 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** The I/O of the real process. */
export function processIo(): CliIo {
  return {
    env: process.env,
    cwd: process.cwd(),
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  }
}

/** A usage problem: ours, or one of `parseArgs` (unknown option, missing value, positional). */
export function isUsageProblem(error: unknown): error is Error {
  if (error instanceof UsageError) return true
  const code = (error as { code?: unknown } | null)?.code
  return (
    error instanceof TypeError && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')
  )
}

/** Runs a command; a usage problem prints its message and the command's usage, and exits 2. */
export async function runWithUsage(
  io: CliIo,
  usage: string,
  command: () => Promise<number>,
): Promise<number> {
  try {
    return await command()
  } catch (error) {
    if (!isUsageProblem(error)) throw error
    io.err(`${error.message}\n\n${usage}`)
    return EXIT_USAGE
  }
}
