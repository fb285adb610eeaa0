/**
 * The isolated-vm build per Node.js line (src/sandbox/isolated-vm.ts): the mapping, and that the
 * build npm installed for this Node.js loads and runs code.
 */
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { describe, it } from 'node:test'
import { isolatedVmBuildFor, loadIsolatedVm } from '../../src/sandbox/isolated-vm.js'

const ISOLATE_MEMORY_MB = 16

describe('isolated-vm build per Node.js line', () => {
  it('uses 5.0.4 on Node.js 20 and 22, 7.0.2 on 24 and 26, none before 20', () => {
    const pick = (version: string) => isolatedVmBuildFor(version)?.version
    assert.deepEqual(['18.20.8', '20.19.0', '22.23.5', '24.0.0', '26.12.1'].map(pick), [
      undefined,
      '5.0.4',
      '5.0.4',
      '7.0.2',
      '7.0.2',
    ])
  })

  it('loads the build for this Node.js, which runs code in an isolate', () => {
    const build = isolatedVmBuildFor(process.versions.node)
    assert.ok(build !== undefined)
    const require = createRequire(import.meta.url)
    const installed = require(`${build.packageName}/package.json`) as { version: string }
    const version =
      build.packageName === 'isolated-vm-5'
        ? (require('isolated-vm/package.json') as { version: string }).version
        : installed.version
    assert.equal(version, build.version)
    const ivm = loadIsolatedVm()
    const isolate = new ivm.Isolate({ memoryLimit: ISOLATE_MEMORY_MB })
    try {
      const context = isolate.createContextSync()
      assert.equal(context.evalSync('[1, 2, 3].map((n) => n * 2).join()'), '2,4,6')
    } finally {
      isolate.dispose()
    }
  })
})
