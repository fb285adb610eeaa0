/**
 * The isolated-vm build per Node.js line (src/sandbox/isolated-vm.ts): the mapping, that the
 * build npm installed for this Node.js loads and runs code, and that no isolate keeps
 * `WebAssembly` (issue 17) on any line: the V8 flag where V8 has it, the runtime's deletion of the
 * global everywhere.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { describe, it } from 'node:test'
import { ISOLATE_RUNTIME_SOURCE } from '../../src/sandbox/isolate-runtime.js'
import {
  isolateV8Flags,
  isolatedVmBuildFor,
  loadIsolatedVm,
} from '../../src/sandbox/isolated-vm.js'

const ISOLATE_MEMORY_MB = 16
/** Bound on the runtime's start in the test's isolate, in ms (it takes a few ms). */
const RUNTIME_START_TIMEOUT_MS = 10_000

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

describe('WebAssembly in the isolates', () => {
  it('sets --no-expose-wasm on the V8 of Node.js 20 and 22, no flag on the V8 of 24 and 26', () => {
    const versions = [
      '11.3.244.8-node.38',
      '12.4.254.21-node.57',
      '13.6.233.17-node.63',
      '14.6.202.34-node.40',
    ]
    assert.deepEqual(versions.map(isolateV8Flags), [
      ['--no-expose-wasm'],
      ['--no-expose-wasm'],
      [],
      [],
    ])
  })

  it('sets only flags this V8 knows', () => {
    // `node --v8-options` lists every flag of this V8 as `--name`; `--no-name` negates a boolean.
    const known = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' })
    for (const flag of isolateV8Flags(process.versions.v8)) {
      const name = flag.replace(/^--no-/, '--')
      assert.ok(known.includes(`  ${name} (`), `${flag} is not a flag of V8 ${process.versions.v8}`)
    }
  })

  it('is deleted by the isolate runtime before any hook code runs, without the flag too', () => {
    // This test process never sets --no-expose-wasm, so a fresh context has WebAssembly.
    const ivm = loadIsolatedVm()
    const isolate = new ivm.Isolate({ memoryLimit: ISOLATE_MEMORY_MB })
    try {
      const context = isolate.createContextSync()
      assert.equal(context.evalSync('typeof WebAssembly'), 'object')
      const start = context.evalSync(
        `(function ($0, $1, $2, $3, $4) {${ISOLATE_RUNTIME_SOURCE}\n})`,
        { reference: true, timeout: RUNTIME_START_TIMEOUT_MS },
      ) as InstanceType<typeof ivm.Reference>
      const callbacks = Array.from({ length: 5 }, () => new ivm.Callback(() => undefined))
      start.applySync(undefined, callbacks, {
        result: { reference: true },
        timeout: RUNTIME_START_TIMEOUT_MS,
      })
      assert.deepEqual(
        context.evalSync(
          `JSON.stringify([typeof WebAssembly, typeof globalThis.WebAssembly, Function('return typeof WebAssembly')(), Object.getOwnPropertyNames(globalThis).includes('WebAssembly')])`,
        ),
        JSON.stringify(['undefined', 'undefined', 'undefined', false]),
      )
    } finally {
      isolate.dispose()
    }
  })
})
