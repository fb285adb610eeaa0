// Types of test-args.js (plain JavaScript, run by scripts/run-tests.js without tsx).
export interface TestArgs {
  readonly coverage: boolean
  readonly fast: boolean
  readonly timings: string | undefined
  readonly filters: string[]
}
export declare function parseTestArgs(args: readonly string[]): TestArgs
export declare function selectTestFiles(
  files: readonly string[],
  filters: readonly string[],
  slow: ReadonlySet<string>,
): string[]
