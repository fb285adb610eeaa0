/**
 * The JavaScript that runs inside every isolate before the hook script, as one script: the
 * modules of `./isolate/` (TypeScript, entry `./isolate/runtime.ts`) bundled by esbuild. The build
 * writes the bundle next to this module ({@link BUNDLE_FILE}, in `dist/sandbox/`); run from the
 * sources (tsx: tests, `npm run dev`), there is no such file: the modules are bundled when this
 * module loads, and the bundle is kept in `node_modules/.cache/openhooks/` under a hash of the
 * sources, so that only the first worker process after a change pays for esbuild.
 *
 * {@link ISOLATE_RUNTIME_SOURCE} is the body of a function of the worker's five host callbacks
 * (`$0`–`$4`, see `./isolate/host.ts`): worker/isolates.ts compiles `(function ($0, $1, $2, $3, $4) {…})`
 * once per isolate (from V8's code cache after the first) and calls it. The callbacks stay in the
 * runtime's closure, never on the global object (STYLE §9.2), and the call returns one dispatcher
 * function the worker calls for each entry:
 *
 * - `('run', callId, argsJson, maxLogBytes, wrapper?)`: evaluates the module first when `wrapper`
 *   is given, then calls the exported function. Returns `'started'`, the completion when the
 *   hook called back before returning (`'ok'`, `'ok:<json>'`, `'error:<json>'`), `'no-function'` or
 *   `'threw:<description>'` (module evaluation failed).
 * - `('fire', timerId)`: runs a timer callback.
 * - `('end', callId)`: forgets a call and its timers (deadline reached).
 * - `('take')`: after a `run` entry that failed, the completion it held (`run`'s answers).
 * - `('http', requestId, metaJson, bodyBytes, bodyText)`: the result of an outbound request
 *   (`./isolate/fetch.ts`): an ArrayBuffer (or undefined when empty), and its text when valid UTF-8.
 * - `('module', name, version, factory)`: declares a bundled dependency for `require`.
 *
 * The code is strict, so `cb.caller` and `cb.arguments` throw instead of exposing the closure. It
 * keeps its own copies of the built-ins it relies on (`./isolate/primordials.ts`), taken before any
 * hook code runs, so that a script that patches `JSON` or `Array.prototype` breaks only itself.
 * Nothing here is a security boundary: the isolate is. A script can at worst confuse the reports
 * about its own calls, and the worker validates everything these callbacks receive.
 */
import { createHash } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The bundle the build writes next to this module (scripts/build-isolate.ts). */
export const BUNDLE_FILE = 'isolate-runtime.bundle.js'

/** The folder of the runtime's modules and its entry module, relative to this module. */
const SOURCE_FOLDER = './isolate/'
const ENTRY_MODULE = './isolate/runtime.ts'

/** Where bundles made from the sources are kept, relative to this module (in the checkout). */
const CACHE_FOLDER = '../../node_modules/.cache/openhooks/'

/** The bundle's top-level variable holding the entry module's exports (local to the function). */
const BUNDLE_GLOBAL_NAME = 'openhooksRuntime'

/** Bundles the runtime's modules into one script (an IIFE assigned to {@link BUNDLE_GLOBAL_NAME}). */
export async function bundleIsolateRuntime(): Promise<string> {
  // Loaded only when a bundle is made: a worker that finds one does not pay for esbuild's module.
  const { buildSync } = await import('esbuild')
  const result = buildSync({
    entryPoints: [fileURLToPath(new URL(ENTRY_MODULE, import.meta.url))],
    bundle: true,
    format: 'iife',
    globalName: BUNDLE_GLOBAL_NAME,
    platform: 'neutral',
    // V8 of the installed Node: nothing is rewritten (private fields, classes stay as written).
    target: 'esnext',
    charset: 'utf8',
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  })
  const output = result.outputFiles[0]
  if (output === undefined) throw new Error('esbuild produced no bundle of the isolate runtime')
  // A class whose body names the class itself becomes `var X = class _X`, and `X.name` would be
  // '_X' in the isolate: the modules construct and test their classes through helpers instead.
  const renamed = /= class (_\w+)/u.exec(output.text)
  if (renamed !== null) {
    throw new Error(`the isolate runtime's class ${renamed[1]} would be renamed by the bundler`)
  }
  return output.text
}

/** A hash of the runtime's sources and of the bundler's version: the cache key. */
function sourcesHash(): string {
  const folder = new URL(SOURCE_FOLDER, import.meta.url)
  const esbuildPackage = new URL('../../node_modules/esbuild/package.json', import.meta.url)
  const hash = createHash('sha256')
  if (existsSync(esbuildPackage)) hash.update(readFileSync(esbuildPackage))
  for (const name of readdirSync(folder).sort()) {
    if (!name.endsWith('.ts')) continue
    hash.update(name).update(readFileSync(new URL(name, folder)))
  }
  return hash.digest('hex').slice(0, 32)
}

/** Bundles the sources, or takes the bundle a previous process made of the same sources. */
async function bundleFromSources(): Promise<string> {
  const cached = new URL(`${CACHE_FOLDER}isolate-runtime-${sourcesHash()}.js`, import.meta.url)
  if (existsSync(cached)) return readFileSync(cached, 'utf8')
  const text = await bundleIsolateRuntime()
  try {
    mkdirSync(new URL(CACHE_FOLDER, import.meta.url), { recursive: true })
    // Written under a name of its own and renamed, so that a concurrent reader never sees half.
    const partial = new URL(`${cached.href}.${String(process.pid)}`)
    writeFileSync(partial, text)
    renameSync(partial, cached)
  } catch {
    // A read-only checkout: every process bundles for itself.
  }
  return text
}

async function loadBundle(): Promise<string> {
  const built = new URL(BUNDLE_FILE, import.meta.url)
  return existsSync(built) ? readFileSync(built, 'utf8') : await bundleFromSources()
}

/** See the top of this module: the body of `function ($0, $1, $2, $3, $4)`. */
export const ISOLATE_RUNTIME_SOURCE = `'use strict';
${await loadBundle()}
return ${BUNDLE_GLOBAL_NAME}.startRuntime($0, $1, $2, $3, $4);`
