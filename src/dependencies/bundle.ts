/**
 * esbuild's bundling of one installed dependency into one CommonJS module for the isolate, under
 * a deadline and a size limit; its failures become `DependencyError`s (a Node.js built-in the
 * sandbox does not provide, or code esbuild cannot bundle).
 */
import { builtinModules } from 'node:module'
import { build, type Message } from 'esbuild'
import { externalBuiltins, RUNTIME_BUILTINS } from './builtins.js'
import { DependencyError } from './dependency-error.js'

/** Largest bundle of one dependency (minified JavaScript), in bytes. */
export const MAX_BUNDLE_BYTES = 2 * 1024 * 1024

/** Longest esbuild may take to bundle one dependency, in milliseconds. */
export const BUNDLE_TIMEOUT_MS = 60_000

/**
 * One self-contained CommonJS module for the isolate. `platform: 'browser'`: packages that ship
 * a browser build (axios, uuid) are taken in it, which talks to `fetch` and Web Crypto, both
 * provided by the runtime, instead of Node's `http` and `crypto` internals. The built-ins of
 * RUNTIME_BUILTINS stay `require` calls for the isolate's own `require`; any other built-in
 * fails to resolve, which rejects the dependency.
 */
export async function bundleDependency(
  dir: string,
  name: string,
  spec: string,
  version: string,
): Promise<string> {
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
    throw bundleFailure(error, name, spec, version)
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

function bundleFailure(
  error: unknown,
  name: string,
  spec: string,
  version: string,
): DependencyError {
  const errors =
    typeof error === 'object' && error !== null && 'errors' in error && Array.isArray(error.errors)
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
