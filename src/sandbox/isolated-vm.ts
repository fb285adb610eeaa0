/**
 * The one module that knows openhooks runs on two isolated-vm versions (docs/adr/0006): 5.0.4
 * builds on Node.js 20 and 22 only, 7.0.2 on 24 and later. Both are optional dependencies under
 * their own names, and npm installs only the one whose `engines` admit the running Node.js
 * (`native/isolated-vm-5` declares `>=20.19.0 <24`, isolated-vm 7 declares `>=24`). This module
 * loads that one; the API the sandbox uses is the same in both, so nothing else branches on it.
 * Types come from whichever is installed, under the name `isolated-vm-types` (tsconfig.json
 * `paths`): a name no runtime code imports, because tsx applies `paths` at run time too.
 */
import { createRequire } from 'node:module'
import type IsolatedVM from 'isolated-vm-types'

export interface IsolatedVmBuild {
  /** The name it is installed under (package.json optionalDependencies). */
  readonly packageName: string
  readonly version: string
  /** The first Node.js major it is used on; it serves every major up to the next build's. */
  readonly fromMajor: number
}

/** Newest first. Matches the `engines` of the packages, which decide what npm installs. */
export const ISOLATED_VM_BUILDS: readonly IsolatedVmBuild[] = [
  { packageName: 'isolated-vm-7', version: '7.0.2', fromMajor: 24 },
  { packageName: 'isolated-vm-5', version: '5.0.4', fromMajor: 20 },
]

/** The build for Node.js `version` (as in `process.versions.node`), if there is one. */
export function isolatedVmBuildFor(version: string): IsolatedVmBuild | undefined {
  const major = Number(version.split('.')[0])
  return ISOLATED_VM_BUILDS.find((build) => major >= build.fromMajor)
}

/** Loads the isolated-vm build for the running Node.js, or throws one sentence saying what to do. */
export function loadIsolatedVm(): typeof IsolatedVM {
  const version = process.versions.node
  const build = isolatedVmBuildFor(version)
  if (build === undefined) {
    throw new Error(`openhooks has no isolated-vm build for Node.js ${version}`)
  }
  try {
    return createRequire(import.meta.url)(build.packageName) as typeof IsolatedVM
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error)
    throw new Error(
      `isolated-vm ${build.version} (${build.packageName}), the build for Node.js ${version}, ` +
        `cannot be loaded (${reason}); run \`npm install\` with this Node.js`,
      { cause: error },
    )
  }
}
