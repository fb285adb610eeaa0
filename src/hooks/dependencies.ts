/**
 * Hooks' npm dependencies as the hook service and the dispatcher see them (issue 9): checked when
 * a hook is saved, loaded for its runs. The work is done by `src/dependencies`.
 */
import { DependencyError, type DependencyProblem } from '../dependencies/dependency-error.js'
import type { BundledModule } from '../dependencies/resolver.js'
import { ApiError } from '../errors/api-error.js'
import type { ManagementErrorName } from '../errors/catalog.js'
import type { SandboxModule } from '../sandbox/runner.js'

/** What hooks need of `DependencyResolver`. */
export interface DependencyLoader {
  /** For a save: resolves ranges now; throws `DependencyError` for a dependency that cannot run. */
  prepare(dependencies: Readonly<Record<string, string>>): Promise<readonly BundledModule[]>
  /** For a run: uses the versions resolved at the last save when the cache has them. */
  load(dependencies: Readonly<Record<string, string>>): Promise<readonly BundledModule[]>
}

const CATALOG_NAMES: Readonly<Record<DependencyProblem, ManagementErrorName>> = {
  'invalid-spec': 'DependencyInvalid',
  'not-found': 'DependencyNotFound',
  'native-addon': 'DependencyNativeAddon',
  'unsupported-builtin': 'DependencyUnsupportedBuiltin',
  unbundlable: 'DependencyUnbundlable',
  'too-large': 'DependencyTooLarge',
  'registry-unreachable': 'DependencyRegistryUnreachable',
  timeout: 'DependencyTimeout',
  'install-failed': 'DependencyInstallFailed',
}

/** Auth0's body-validation wording (compat §2.2, Q2), on the property of the failing dependency. */
export function dependencyApiError(error: DependencyError): ApiError {
  return new ApiError(CATALOG_NAMES[error.problem], {
    message: `Payload validation error: '${error.message}' on property dependencies.${error.module} (Dependencies of this hook used by webtask server.).`,
    cause: error,
  })
}

/**
 * Checks every dependency of a hook about to be saved; nothing is saved when one fails, since
 * the caller writes only after this resolves.
 */
export async function checkDependencies(
  loader: DependencyLoader | undefined,
  dependencies: Readonly<Record<string, string>> | undefined,
): Promise<void> {
  if (loader === undefined || dependencies === undefined) return
  if (Object.keys(dependencies).length === 0) return
  try {
    await loader.prepare(dependencies)
  } catch (error) {
    if (error instanceof DependencyError) throw dependencyApiError(error)
    throw error
  }
}

/** The bundles in the form of `RunRequest.modules`. */
export function toSandboxModules(modules: readonly BundledModule[]): Record<string, SandboxModule> {
  const out: Record<string, SandboxModule> = {}
  for (const m of modules) out[m.name] = { version: m.version, source: m.source }
  return out
}
