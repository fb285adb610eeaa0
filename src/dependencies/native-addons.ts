/**
 * The native-addon scan of an installed dependency (compat Q13): a `.node` file, a `binding.gyp`
 * or `"gypfile": true` anywhere under its node_modules rejects it, naming the package that holds it.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join, sep } from 'node:path'
import { DependencyError } from './dependency-error.js'

/** Files the native-addon scan looks at in one installation before it gives up and rejects. */
export const MAX_SCANNED_FILES = 100_000

/** compat Q13: native addons cannot run in an isolate. */
export async function rejectNativeAddons(
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
        owner.splice(0, owner.length, part.startsWith('@') ? `${part}/${parts[i + 1] ?? ''}` : part)
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
