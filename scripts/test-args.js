// The arguments of scripts/run-tests.js, apart from the script so that a test can run them
// (test/scripts/test-args.test.ts): `npm test -- sandbox flows` runs the files whose path
// contains "sandbox" or "flows"; `--coverage`, `--fast` and `--timings FILE` are options.

/** Options that take no value. */
const FLAGS = ['--coverage', '--fast']

/**
 * Splits `args` (process.argv after the script) into options and path filters. Throws when
 * `--timings` has no file name.
 * @param {readonly string[]} args
 * @returns {{ coverage: boolean, fast: boolean, timings: string | undefined, filters: string[] }}
 */
export function parseTestArgs(args) {
  const timingsAt = args.indexOf('--timings')
  const timings = timingsAt >= 0 ? args[timingsAt + 1] : undefined
  if (timingsAt >= 0 && timings === undefined) throw new Error('--timings needs a file name')
  const filters = args.filter(
    (arg, i) =>
      !FLAGS.includes(arg) && arg !== '--timings' && (timingsAt < 0 || i !== timingsAt + 1),
  )
  return {
    coverage: args.includes('--coverage'),
    fast: args.includes('--fast'),
    timings,
    filters,
  }
}

/**
 * The test files to run: those whose path contains one of `filters` (all without a filter),
 * minus `slow` ones, sorted.
 * @param {readonly string[]} files
 * @param {readonly string[]} filters
 * @param {ReadonlySet<string>} slow
 * @returns {string[]}
 */
export function selectTestFiles(files, filters, slow) {
  return files
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .filter((f) => !slow.has(f))
    .sort()
}
