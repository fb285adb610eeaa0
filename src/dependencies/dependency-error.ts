/** The failures of `DependencyResolver`, independent of any wire format. */

/** Why a dependency cannot be used. */
export type DependencyProblem =
  | 'invalid-spec'
  | 'not-found'
  | 'native-addon'
  | 'unsupported-builtin'
  | 'unbundlable'
  | 'too-large'
  | 'registry-unreachable'
  | 'timeout'
  | 'install-failed'

/** A dependency that cannot run in the sandbox; `message` names the module and the reason. */
export class DependencyError extends Error {
  override readonly name = 'DependencyError'
  readonly problem: DependencyProblem
  /** The declared package name. */
  readonly module: string
  /** The declared version or range. */
  readonly spec: string

  constructor(problem: DependencyProblem, module: string, spec: string, message: string) {
    super(message)
    this.problem = problem
    this.module = module
    this.spec = spec
  }
}
