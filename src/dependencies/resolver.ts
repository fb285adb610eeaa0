/**
 * npm dependencies of hooks (issue 9, compat §3.9, Q13): each declared `name → version or range`
 * is installed from the npm registry with the npm client (so the user's npm configuration, its
 * registry, proxy and credentials apply), checked for things the isolate cannot run, and bundled
 * with esbuild into one self-contained CommonJS module. Bundles live in a content-addressed cache
 * in the data dir and are reused by every hook and after restarts. See docs/dependencies.md.
 *
 * This layer knows nothing of HTTP, hooks or storage: it throws `DependencyError`, which the hook
 * service turns into the Management API's 400.
 *
 * Size: over 700 lines because it is one concern, turning `name@range` into a checked bundle, held
 * by one class whose steps (resolve, install, scan, bundle, and the disk and shared caches) share
 * its in-flight and cache state. The seams to split next are the npm child-process runner
 * (`#runNpm`, `npmError`) and the native-addon scan (`#rejectNativeAddons`), which need none of it.
 */
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { builtinModules } from 'node:module'
import { join, sep } from 'node:path'
import { build, version as esbuildVersion, type Message } from 'esbuild'
import { externalBuiltins, isProvidedByRuntime, RUNTIME_BUILTINS } from './builtins.js'
import { DependencyError } from './dependency-error.js'
import { PACKAGE_NAME_PATTERN, VERSION_SPEC_PATTERN } from './spec.js'

// Compiled once: every run of a hook with dependencies checks its declarations (#one).
const PACKAGE_NAME = new RegExp(PACKAGE_NAME_PATTERN)
const VERSION_SPEC = new RegExp(VERSION_SPEC_PATTERN)

/** Largest bundle of one dependency (minified JavaScript), in bytes. */
export const MAX_BUNDLE_BYTES = 2 * 1024 * 1024

/** Longest one npm command (resolving a range, installing a package) may take, in milliseconds. */
export const DEFAULT_NPM_TIMEOUT_MS = 120_000

/** Longest one HTTP request of npm to the registry may take, in milliseconds (`fetch-timeout`). */
export const NPM_FETCH_TIMEOUT_MS = 30_000

/** Output of one npm command kept for error messages, in bytes. */
export const MAX_NPM_OUTPUT_BYTES = 256 * 1024

/** Files the native-addon scan looks at in one installation before it gives up and rejects. */
export const MAX_SCANNED_FILES = 100_000

/**
 * How long a range resolved against the registry is reused by later saves, in milliseconds: saving
 * several hooks with `^1.2.0` asks the registry once, and a new release is seen within this time.
 */
export const RANGE_REUSE_MS = 10 * 60_000

/** Longest esbuild may take to bundle one dependency, in milliseconds. */
export const BUNDLE_TIMEOUT_MS = 60_000

/**
 * Part of every cache key: bump it when the bundling options change, so that bundles made with
 * the old options are not reused.
 */
export const BUNDLE_FORMAT_VERSION = 1

const EXACT_VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/

/** One bundled dependency, ready for the sandbox. */
export interface BundledModule {
  readonly name: string
  /** The exact version the declared spec resolved to. */
  readonly version: string
  /** Content address: SHA-256 of `name@version` and the bundle format. */
  readonly key: string
  /** A CommonJS module body: it assigns `module.exports`; Node built-ins go through `require`. */
  readonly source: string
}

/**
 * Where bundles and resolved ranges are shared between nodes (the database: issue 20). A save
 * stores every bundle and range there; a run that finds neither in memory nor on disk reads them
 * from there before it would ask the registry.
 */
export interface SharedDependencyCache {
  getDependencyBundle(
    key: string,
  ): Promise<
    { readonly name: string; readonly version: string; readonly source: string } | undefined
  >
  putDependencyBundle(bundle: BundledModule): Promise<void>
  getDependencyRange(spec: string): Promise<string | undefined>
  putDependencyRange(spec: string, version: string): Promise<void>
}

export interface DependencyResolverOptions {
  /** Folder of the cache, e.g. `$OPENHOOKS_DATA_DIR/deps`; created when missing. */
  readonly cacheDir: string
  /** The cache every node shares; without it, each node has only its own disk cache. */
  readonly shared?: SharedDependencyCache | undefined
  /** Registry URL; `undefined` uses npm's own configuration (`.npmrc`, `npm_config_registry`). */
  readonly registry?: string | undefined
  /** Environment of the npm processes (npm reads its configuration from it). */
  readonly env: Readonly<Record<string, string | undefined>>
  /** The npm executable. */
  readonly npmCommand?: string
  readonly timeoutMs?: number
}

/** Counters, for tests and logs: how often the registry was asked. */
export interface ResolverStats {
  /** `npm view` runs (ranges and dist-tags resolved against the registry). */
  readonly lookups: number
  /** `npm install` runs. */
  readonly installs: number
  /** Bundles read from the disk cache. */
  readonly diskHits: number
  /** Bundles read from the shared cache (another node's save). */
  readonly sharedHits: number
}

interface NpmResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly timedOut: boolean
  readonly spawnError?: string
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** The content address of a bundle. */
export function bundleKey(name: string, version: string): string {
  return sha256(`${name}@${version}\u0000format-${BUNDLE_FORMAT_VERSION}`)
}

function errorCodeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error
    ? String(error.code)
    : undefined
}

/** Highest of several semver versions (numeric parts, then a release above its prereleases). */
function highestVersion(versions: readonly string[]): string | undefined {
  const parse = (v: string) => {
    const [core = '', pre] = v.split('+')[0]?.split(/-(.*)/s) ?? []
    return { nums: core.split('.').map(Number), pre }
  }
  return [...versions].sort((a, b) => {
    const x = parse(a)
    const y = parse(b)
    for (let i = 0; i < 3; i++) {
      const d = (x.nums[i] ?? 0) - (y.nums[i] ?? 0)
      if (d !== 0) return d
    }
    if (x.pre === undefined) return y.pre === undefined ? 0 : 1
    if (y.pre === undefined) return -1
    return x.pre.localeCompare(y.pre, 'en', { numeric: true })
  })[versions.length - 1]
}

/**
 * Installs, checks, bundles and caches hook dependencies. One instance per process; concurrent
 * requests for the same package share one installation.
 *
 * @example
 * const resolver = new DependencyResolver({ cacheDir: join(dataDir, 'deps'), env: process.env })
 * const modules = await resolver.prepare({ lodash: '4.17.21' }) // throws DependencyError
 */
export class DependencyResolver {
  readonly #cacheDir: string
  readonly #registry: string | undefined
  readonly #env: Readonly<Record<string, string | undefined>>
  readonly #npm: string
  readonly #timeoutMs: number
  /** Bundles already read or built, by key. */
  readonly #loaded = new Map<string, BundledModule>()
  /** Installations in progress, by key. */
  readonly #building = new Map<string, Promise<BundledModule>>()
  /** Ranges resolved by this process or read from the cache, by `name@spec`. */
  readonly #ranges = new Map<string, string>()
  /** When this process last resolved a range against the registry (`performance.now()`). */
  readonly #rangeResolvedAt = new Map<string, number>()
  #lookups = 0
  #installs = 0
  #diskHits = 0
  #sharedHits = 0
  readonly #shared: SharedDependencyCache | undefined

  constructor(options: DependencyResolverOptions) {
    this.#shared = options.shared
    this.#cacheDir = options.cacheDir
    this.#registry = options.registry
    this.#env = options.env
    this.#npm = options.npmCommand ?? 'npm'
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_NPM_TIMEOUT_MS
  }

  stats(): ResolverStats {
    return {
      lookups: this.#lookups,
      installs: this.#installs,
      diskHits: this.#diskHits,
      sharedHits: this.#sharedHits,
    }
  }

  /**
   * For a save: resolves every range against the registry now, installs and bundles what the cache
   * lacks. Resolves to the bundles by declared name, or throws the first `DependencyError` (in the
   * order of the declared names, so that the message is deterministic). Names the runtime
   * provides itself (`request`, built-ins: `isProvidedByRuntime`) are skipped.
   */
  async prepare(dependencies: Readonly<Record<string, string>>): Promise<BundledModule[]> {
    return this.#all(dependencies, true)
  }

  /**
   * For a run: like `prepare`, but a range uses the version it resolved to at the last save, so a
   * warm cache never touches the network.
   */
  async load(dependencies: Readonly<Record<string, string>>): Promise<BundledModule[]> {
    return this.#all(dependencies, false)
  }

  async #all(
    dependencies: Readonly<Record<string, string>>,
    fresh: boolean,
  ): Promise<BundledModule[]> {
    const entries = Object.entries(dependencies)
      .filter(([name]) => !isProvidedByRuntime(name))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    const settled = await Promise.allSettled(
      entries.map(([name, spec]) => this.#one(name, spec, fresh)),
    )
    const modules: BundledModule[] = []
    for (const result of settled) {
      if (result.status === 'rejected') throw result.reason
      modules.push(result.value)
    }
    return modules
  }

  async #one(name: string, spec: string, fresh: boolean): Promise<BundledModule> {
    if (!PACKAGE_NAME.test(name)) {
      throw new DependencyError('invalid-spec', name, spec, `${name}: not a valid npm package name`)
    }
    const trimmed = spec.trim()
    if (!VERSION_SPEC.test(trimmed)) {
      throw new DependencyError(
        'invalid-spec',
        name,
        spec,
        `${name}@${spec}: not a version, range or tag of the npm registry`,
      )
    }
    const version = await this.#resolveVersion(name, trimmed, fresh)
    const key = bundleKey(name, version)
    const module = await this.#module(name, spec, version, key)
    // A save stores the bundle where every node finds it (a no-op when it is there already).
    if (fresh) await this.#shared?.putDependencyBundle(module)
    return module
  }

  async #module(name: string, spec: string, version: string, key: string): Promise<BundledModule> {
    const loaded = this.#loaded.get(key)
    if (loaded !== undefined) return loaded
    let building = this.#building.get(key)
    if (building === undefined) {
      building = this.#fromDiskOrInstall(name, spec, version, key).finally(() => {
        this.#building.delete(key)
      })
      this.#building.set(key, building)
    }
    const module = await building
    this.#loaded.set(key, module)
    return module
  }

  async #resolveVersion(name: string, spec: string, fresh: boolean): Promise<string> {
    const exact = spec.replace(/^[=v]+/, '')
    if (EXACT_VERSION.test(exact)) return exact
    const rangeId = `${name}@${spec}`
    const rangeFile = join(this.#cacheDir, 'ranges', `${sha256(rangeId)}.json`)
    const resolvedAt = this.#rangeResolvedAt.get(rangeId)
    const recent = resolvedAt !== undefined && performance.now() - resolvedAt < RANGE_REUSE_MS
    if (!fresh || recent) {
      // The shared cache before the disk: another node's later save may have moved the range.
      const known =
        this.#ranges.get(rangeId) ??
        (await this.#shared?.getDependencyRange(rangeId)) ??
        (await this.#readRange(rangeFile))
      if (known !== undefined) return known
    }
    this.#lookups++
    await mkdir(this.#cacheDir, { recursive: true })
    const result = await this.#runNpm(['view', rangeId, 'version', '--json'], this.#cacheDir)
    this.#throwNpmFailure(result, name, spec)
    let versions: unknown
    try {
      versions = JSON.parse(result.stdout.trim() === '' ? '[]' : result.stdout) as unknown
    } catch {
      versions = []
    }
    const list = (Array.isArray(versions) ? versions : [versions]).filter(
      (v): v is string => typeof v === 'string' && EXACT_VERSION.test(v),
    )
    const version = highestVersion(list)
    if (version === undefined) {
      throw new DependencyError(
        'not-found',
        name,
        spec,
        `${name}@${spec}: no such version on the npm registry`,
      )
    }
    this.#ranges.set(rangeId, version)
    this.#rangeResolvedAt.set(rangeId, performance.now())
    await this.#shared?.putDependencyRange(rangeId, version)
    await mkdir(join(this.#cacheDir, 'ranges'), { recursive: true })
    const temp = `${rangeFile}.${randomBytes(6).toString('hex')}`
    await writeFile(temp, JSON.stringify({ spec: rangeId, version }))
    await rename(temp, rangeFile)
    return version
  }

  async #readRange(file: string): Promise<string | undefined> {
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as {
        spec?: unknown
        version?: unknown
      }
      if (typeof parsed.spec === 'string' && typeof parsed.version === 'string') {
        this.#ranges.set(parsed.spec, parsed.version)
        return parsed.version
      }
    } catch {
      // not resolved yet
    }
    return undefined
  }

  async #fromDiskOrInstall(
    name: string,
    spec: string,
    version: string,
    key: string,
  ): Promise<BundledModule> {
    const entryDir = join(this.#cacheDir, key)
    try {
      const source = await readFile(join(entryDir, 'bundle.js'), 'utf8')
      this.#diskHits++
      return { name, version, key, source }
    } catch (error) {
      if (errorCodeOf(error) !== 'ENOENT') throw error
    }
    const stored = await this.#shared?.getDependencyBundle(key)
    if (stored !== undefined && stored.name === name && stored.version === version) {
      this.#sharedHits++
      return { name, version, key, source: stored.source }
    }
    const work = join(this.#cacheDir, `tmp-${randomBytes(8).toString('hex')}`)
    await mkdir(work, { recursive: true })
    try {
      const install = join(work, 'install')
      await mkdir(install)
      await writeFile(
        join(install, 'package.json'),
        JSON.stringify({
          name: 'openhooks-dependency',
          private: true,
          dependencies: { [name]: version },
        }),
      )
      this.#installs++
      const result = await this.#runNpm(
        [
          'install',
          '--ignore-scripts',
          '--no-audit',
          '--no-fund',
          '--omit=dev',
          '--omit=optional',
          '--no-bin-links',
          '--json',
        ],
        install,
      )
      this.#throwNpmFailure(result, name, spec, version)
      await this.#rejectNativeAddons(join(install, 'node_modules'), name, spec, version)
      const source = await this.#bundle(install, name, spec, version)
      const entry = join(work, 'entry')
      await mkdir(entry)
      await writeFile(join(entry, 'bundle.js'), source)
      let lock: unknown = undefined
      try {
        lock = JSON.parse(
          await readFile(join(install, 'node_modules', '.package-lock.json'), 'utf8'),
        ) as unknown
      } catch {
        // provenance is best effort
      }
      await writeFile(
        join(entry, 'meta.json'),
        JSON.stringify(
          {
            name,
            version,
            bytes: Buffer.byteLength(source),
            bundleFormat: BUNDLE_FORMAT_VERSION,
            esbuild: esbuildVersion,
            createdAt: new Date().toISOString(),
            // What npm installed, with `resolved` URLs and `integrity` hashes.
            packages: (lock as { packages?: unknown } | undefined)?.packages,
          },
          null,
          2,
        ),
      )
      await mkdir(this.#cacheDir, { recursive: true })
      try {
        await rename(entry, join(this.#cacheDir, key))
      } catch (error) {
        // Another process stored the same bundle first: equal content, keep theirs.
        if (!['ENOTEMPTY', 'EEXIST'].includes(errorCodeOf(error) ?? '')) throw error
      }
      return { name, version, key, source }
    } finally {
      await rm(work, { recursive: true, force: true })
    }
  }

  /** compat Q13: native addons cannot run in an isolate. */
  async #rejectNativeAddons(
    nodeModules: string,
    name: string,
    spec: string,
    version: string,
  ): Promise<void> {
    let scanned = 0
    const reject = (path: string, what: string): never => {
      const parts = path.slice(nodeModules.length + 1).split(sep)
      const owner: string[] = []
      // The innermost package that holds the file: node_modules/a/node_modules/@s/b/x.node → @s/b
      for (let i = 0; i < parts.length; i++) {
        if (i === 0 || parts[i - 1] === 'node_modules') {
          const part = parts[i] ?? ''
          owner.splice(
            0,
            owner.length,
            part.startsWith('@') ? `${part}/${parts[i + 1] ?? ''}` : part,
          )
        }
      }
      const culprit = owner[0] ?? name
      throw new DependencyError(
        'native-addon',
        name,
        spec,
        `${name}@${version}: ${culprit === name ? 'it' : `its dependency ${culprit}`} contains a native addon (${what}), which cannot run in the sandbox`,
      )
    }
    const walk = async (dir: string): Promise<void> => {
      let entries
      try {
        entries = await readdir(dir, { withFileTypes: true })
      } catch {
        return
      }
      for (const entry of entries) {
        if (++scanned > MAX_SCANNED_FILES) {
          throw new DependencyError(
            'install-failed',
            name,
            spec,
            `${name}@${version}: the installation has more than ${MAX_SCANNED_FILES} files`,
          )
        }
        const path = join(dir, entry.name)
        if (entry.isDirectory()) {
          await walk(path)
        } else if (entry.isFile()) {
          if (entry.name.endsWith('.node')) reject(path, entry.name)
          if (entry.name === 'binding.gyp') reject(path, 'binding.gyp')
          if (entry.name === 'package.json') {
            try {
              const pkg = JSON.parse(await readFile(path, 'utf8')) as { gypfile?: unknown }
              if (pkg.gypfile === true) reject(path, '"gypfile": true in package.json')
            } catch (error) {
              if (error instanceof DependencyError) throw error
            }
          }
        }
      }
    }
    await walk(nodeModules)
  }

  /**
   * One self-contained CommonJS module for the isolate. `platform: 'browser'`: packages that ship
   * a browser build (axios, uuid) are taken in it, which talks to `fetch` and Web Crypto, both
   * provided by the runtime, instead of Node's `http` and `crypto` internals. The built-ins of
   * RUNTIME_BUILTINS stay `require` calls for the isolate's own `require`; any other built-in
   * fails to resolve, which rejects the dependency.
   */
  async #bundle(dir: string, name: string, spec: string, version: string): Promise<string> {
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(
          new DependencyError(
            'timeout',
            name,
            spec,
            `${name}@${version}: bundling took longer than ${BUNDLE_TIMEOUT_MS} ms`,
          ),
        )
      }, BUNDLE_TIMEOUT_MS)
    })
    let output: string
    try {
      const result = await Promise.race([
        build({
          stdin: {
            contents: `module.exports = require(${JSON.stringify(name)});`,
            resolveDir: dir,
            sourcefile: 'openhooks-entry.js',
            loader: 'js',
          },
          absWorkingDir: dir,
          bundle: true,
          write: false,
          format: 'cjs',
          platform: 'browser',
          target: 'es2022',
          minify: true,
          legalComments: 'eof',
          charset: 'utf8',
          external: externalBuiltins(),
          define: { 'process.env.NODE_ENV': '"production"' },
          logLevel: 'silent',
        }),
        deadline,
      ])
      output = result.outputFiles[0]?.text ?? ''
    } catch (error) {
      if (error instanceof DependencyError) throw error
      throw this.#bundleFailure(error, name, spec, version)
    } finally {
      clearTimeout(timer)
    }
    const bytes = Buffer.byteLength(output)
    if (bytes > MAX_BUNDLE_BYTES) {
      throw new DependencyError(
        'too-large',
        name,
        spec,
        `${name}@${version}: the bundle is ${bytes} bytes, over the limit of ${MAX_BUNDLE_BYTES} bytes`,
      )
    }
    return output
  }

  #bundleFailure(error: unknown, name: string, spec: string, version: string): DependencyError {
    const errors =
      typeof error === 'object' &&
      error !== null &&
      'errors' in error &&
      Array.isArray(error.errors)
        ? (error.errors as Message[])
        : []
    const builtins = new Set(builtinModules)
    for (const message of errors) {
      const match = /^Could not resolve "([^"]+)"/.exec(message.text)
      const wanted = match?.[1]?.replace(/^node:/, '')
      if (wanted !== undefined && builtins.has(wanted.split('/')[0] ?? wanted)) {
        const file = message.location?.file
        const where = file !== undefined ? ` (from ${file.replace(/^.*?node_modules\//, '')})` : ''
        return new DependencyError(
          'unsupported-builtin',
          name,
          spec,
          `${name}@${version}: requires the Node.js module '${wanted}'${where}, which the sandbox does not provide (it provides ${RUNTIME_BUILTINS.join(', ')})`,
        )
      }
    }
    const first = errors[0]
    const text =
      first !== undefined ? first.text : error instanceof Error ? error.message : String(error)
    return new DependencyError(
      'unbundlable',
      name,
      spec,
      `${name}@${version}: cannot be bundled for the sandbox: ${text}`,
    )
  }

  #throwNpmFailure(result: NpmResult, name: string, spec: string, version?: string): void {
    const label = `${name}@${version ?? spec}`
    if (result.spawnError !== undefined) {
      throw new DependencyError(
        'install-failed',
        name,
        spec,
        `${label}: npm could not be started (${result.spawnError})`,
      )
    }
    if (result.timedOut) {
      throw new DependencyError(
        'timeout',
        name,
        spec,
        `${label}: the npm registry did not answer within ${this.#timeoutMs} ms`,
      )
    }
    if (result.code === 0) return
    const { code, summary } = npmError(result)
    switch (code ?? '') {
      case 'E404':
      case 'ETARGET': {
        const noVersion = code === 'ETARGET' || /No match found/.test(summary ?? '')
        throw new DependencyError(
          'not-found',
          name,
          spec,
          noVersion
            ? `${name}@${spec}: no such version on the npm registry`
            : `${name}: no such package on the npm registry`,
        )
      }
      case 'ECONNREFUSED':
      case 'ECONNRESET':
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
      case 'ETIMEDOUT':
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
      case 'ERR_SOCKET_TIMEOUT':
        throw new DependencyError(
          'registry-unreachable',
          name,
          spec,
          `${label}: the npm registry could not be reached (${code})`,
        )
      default:
        throw new DependencyError(
          'install-failed',
          name,
          spec,
          `${label}: npm failed${code !== undefined ? ` (${code})` : ''}`,
        )
    }
  }

  #runNpm(args: readonly string[], cwd: string): Promise<NpmResult> {
    const env: Record<string, string> = {}
    for (const [key, value] of Object.entries(this.#env)) {
      // Our own Node options (a test loader, say) are not npm's business.
      if (value !== undefined && key !== 'NODE_OPTIONS') env[key] = value
    }
    const flags = [
      `--fetch-timeout=${NPM_FETCH_TIMEOUT_MS}`,
      // One retry with short backoff: a flaky registry gets a second chance, a dead one fails fast.
      '--fetch-retries=1',
      '--fetch-retry-mintimeout=500',
      '--fetch-retry-maxtimeout=2000',
      '--update-notifier=false',
      ...(this.#registry !== undefined ? [`--registry=${this.#registry}`] : []),
    ]
    return new Promise((resolve) => {
      let stdout = ''
      let stderr = ''
      let timedOut = false
      let done = false
      const finish = (result: NpmResult) => {
        if (done) return
        done = true
        clearTimeout(timer)
        resolve(result)
      }
      const child = spawn(this.#npm, [...args, ...flags], {
        cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      })
      const timer = setTimeout(() => {
        timedOut = true
        // npm may have started children of its own: end the whole process group.
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
        } catch {
          child.kill('SIGKILL')
        }
      }, this.#timeoutMs)
      child.stdout.on('data', (chunk: Buffer) => {
        if (stdout.length < MAX_NPM_OUTPUT_BYTES) stdout += chunk.toString('utf8')
      })
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < MAX_NPM_OUTPUT_BYTES) stderr += chunk.toString('utf8')
      })
      child.on('error', (error) => {
        finish({ code: null, stdout, stderr, timedOut, spawnError: error.message })
      })
      child.on('close', (code) => {
        finish({ code, stdout, stderr, timedOut })
      })
    })
  }
}

/** The `code` and `summary` of npm's `--json` error object, else of its `npm error` lines. */
function npmError(result: NpmResult): { code?: string | undefined; summary?: string | undefined } {
  const json = /\{\s*"error"[\s\S]*\}\s*$/.exec(result.stdout)?.[0]
  if (json !== undefined) {
    try {
      const parsed = JSON.parse(json) as { error?: { code?: unknown; summary?: unknown } }
      if (typeof parsed.error?.code === 'string') {
        const summary = parsed.error.summary
        return {
          code: parsed.error.code,
          summary: typeof summary === 'string' ? summary : undefined,
        }
      }
    } catch {
      // fall back to the text
    }
  }
  return {
    code: /npm (?:error|ERR!) code (\S+)/.exec(result.stderr)?.[1],
    summary: /npm (?:error|ERR!) 404 (No match found[^\n]*)/.exec(result.stderr)?.[1],
  }
}
