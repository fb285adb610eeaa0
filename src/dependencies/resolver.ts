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
 * The steps that need none of the resolver's state are beside it: `npm.ts` (running npm and
 * reading its failures), `native-addons.ts` (the scan) and `bundle.ts` (esbuild).
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { version as esbuildVersion } from 'esbuild'
import { bundleDependency } from './bundle.js'
import { isProvidedByRuntime } from './builtins.js'
import { DependencyError } from './dependency-error.js'
import { rejectNativeAddons } from './native-addons.js'
import { runNpm, throwNpmFailure, type NpmOptions } from './npm.js'
import { PACKAGE_NAME_PATTERN, VERSION_SPEC_PATTERN } from './spec.js'

// Compiled once: every run of a hook with dependencies checks its declarations (#one).
const PACKAGE_NAME = new RegExp(PACKAGE_NAME_PATTERN)
const VERSION_SPEC = new RegExp(VERSION_SPEC_PATTERN)

/** Longest one npm command (resolving a range, installing a package) may take, in milliseconds. */
export const DEFAULT_NPM_TIMEOUT_MS = 120_000

/**
 * How long a range resolved against the registry is reused by later saves, in milliseconds: saving
 * several hooks with `^1.2.0` asks the registry once, and a new release is seen within this time.
 */
export const RANGE_REUSE_MS = 10 * 60_000

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
  readonly #npmOptions: NpmOptions
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
    this.#npmOptions = {
      npm: options.npmCommand ?? 'npm',
      env: options.env,
      registry: options.registry,
      timeoutMs: options.timeoutMs ?? DEFAULT_NPM_TIMEOUT_MS,
    }
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
    const result = await runNpm(
      this.#npmOptions,
      ['view', rangeId, 'version', '--json'],
      this.#cacheDir,
    )
    throwNpmFailure(result, this.#npmOptions.timeoutMs, name, spec)
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
      const result = await runNpm(
        this.#npmOptions,
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
      throwNpmFailure(result, this.#npmOptions.timeoutMs, name, spec, version)
      await rejectNativeAddons(join(install, 'node_modules'), name, spec, version)
      const source = await bundleDependency(install, name, spec, version)
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
}
