/**
 * The one module that knows openhooks runs on two isolated-vm versions (docs/adr/0007) and on
 * V8 versions whose flags differ. isolated-vm 5.0.4
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

/** The V8 flag that leaves WebAssembly out of every context created after it is set. */
const NO_EXPOSE_WASM_FLAG = '--no-expose-wasm'

/** The first V8 major without `--expose-wasm`: V8 12.4 (Node.js 22) has it, 13.6 (Node.js 24) not. */
const FIRST_V8_MAJOR_WITHOUT_EXPOSE_WASM = 13

/**
 * The V8 flags a worker sets before it creates any isolate, for V8 `v8Version` (as in
 * `process.versions.v8`): `--no-expose-wasm` where V8 still has it. A V8 without a flag only
 * prints an error for it, so it is left out there; the isolate runtime deletes the `WebAssembly`
 * global on every line anyway (src/sandbox/isolate/runtime.ts).
 */
export function isolateV8Flags(v8Version: string): string[] {
  const major = Number(v8Version.split('.')[0])
  return major < FIRST_V8_MAJOR_WITHOUT_EXPOSE_WASM ? [NO_EXPOSE_WASM_FLAG] : []
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
