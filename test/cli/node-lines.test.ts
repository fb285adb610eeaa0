/**
 * The supported Node.js lines (scripts/node-lines.js): what package.json declares, what the
 * dependency tree needs, and what `npm install` (preinstall) and `openhooks` (bin) do on a line.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import semver from 'semver'
import {
  engineRange,
  NODE_LINES,
  nodeLineVerdict,
  RECOMMENDED_MAJOR,
} from '../../scripts/node-lines.js'
import { ISOLATED_VM_BUILDS, isolatedVmBuildFor } from '../../src/sandbox/isolated-vm.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

interface LockedPackage {
  readonly name?: string
  readonly version?: string
  readonly engines?: { readonly node?: string }
  readonly optional?: boolean
  readonly link?: boolean
}

const packageJson = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
  engines: { node: string }
  optionalDependencies: Record<string, string>
}
const lock = JSON.parse(readFileSync(`${ROOT}package-lock.json`, 'utf8')) as {
  packages: Record<string, LockedPackage>
}

const SUPPORTED_EXAMPLE = '24.1.0'
const PAST_ALL_END_OF_LIFE = new Date('2030-01-01T00:00:00Z')
const BEFORE_ANY_END_OF_LIFE = new Date('2026-01-01T00:00:00Z')

/** The first release of each supported line and one later release of it. */
function versionsOfEachLine(): string[] {
  return NODE_LINES.flatMap((line) => [line.minimum, `${String(line.major)}.99.0`])
}

describe('supported Node.js lines', () => {
  it('package.json engines list exactly the lines of scripts/node-lines.js', () => {
    assert.equal(packageJson.engines.node, engineRange())
    assert.equal(engineRange(), '^20.19.0 || ^22.13.0 || ^24.0.0 || ^26.0.0')
    assert.ok(NODE_LINES.some((line) => line.major === RECOMMENDED_MAJOR))
  })

  it('every package npm always installs admits every supported line (no EBADENGINE)', () => {
    const refusals: string[] = []
    for (const [path, pkg] of Object.entries(lock.packages)) {
      const range = pkg.engines?.node
      if (path === '' || pkg.optional === true || range === undefined) continue
      for (const version of versionsOfEachLine()) {
        if (!semver.satisfies(version, range)) refusals.push(`${path} (${range}) on ${version}`)
      }
    }
    assert.deepEqual(refusals, [])
  })

  it('on each line npm installs exactly one isolated-vm build, the one the sandbox loads', () => {
    const builds = Object.keys(packageJson.optionalDependencies).filter((name) =>
      name.startsWith('isolated-vm-'),
    )
    assert.deepEqual(builds.sort(), ISOLATED_VM_BUILDS.map((b) => b.packageName).sort())
    for (const version of versionsOfEachLine()) {
      const installed = builds.filter((name) => {
        const link = lock.packages[`node_modules/${name}`]
        const pkg = link?.link === true ? lock.packages['native/' + name] : link
        const range = pkg?.engines?.node
        assert.ok(range !== undefined, `${name} declares the Node.js versions it installs on`)
        return semver.satisfies(version, range)
      })
      assert.deepEqual(installed, [isolatedVmBuildFor(version)?.packageName], version)
    }
  })

  it('refuses a Node.js outside the lines with one line naming it and the supported ones', () => {
    for (const version of ['18.20.8', '20.18.3', '21.7.3', '22.12.0', '23.11.0', '27.0.0']) {
      assert.deepEqual(nodeLineVerdict(version, BEFORE_ANY_END_OF_LIFE), {
        level: 'refuse',
        message: `openhooks: Node.js ${version} is not supported; supported: Node.js 20.19+, 22.13+, 24 or 26 (26 recommended).`,
      })
    }
  })

  it('warns once a line is past its end of life, and is quiet before', () => {
    assert.deepEqual(nodeLineVerdict('20.20.2', new Date('2026-04-30T23:00:00Z')), { level: 'ok' })
    assert.deepEqual(nodeLineVerdict('20.20.2', new Date('2026-05-01T00:00:00Z')), {
      level: 'warn',
      message:
        'openhooks: warning: Node.js 20 is past its end of life (2026-04-30) and gets no security fixes; supported: Node.js 20.19+, 22.13+, 24 or 26 (26 recommended).',
    })
    assert.equal(nodeLineVerdict(SUPPORTED_EXAMPLE, new Date('2026-12-07T00:00:00Z')).level, 'ok')
    for (const version of versionsOfEachLine()) {
      assert.equal(nodeLineVerdict(version, PAST_ALL_END_OF_LIFE).level, 'warn', version)
    }
  })
})

describe('the Node.js line check on this Node.js', () => {
  const expected = nodeLineVerdict(process.versions.node, new Date())
  const expectedStderr = expected.level === 'ok' ? '' : `${expected.message}\n`

  it('openhooks (bin) prints the verdict first, as one line, then runs the command', () => {
    const result = spawnSync(process.execPath, [`${ROOT}bin/openhooks.js`, 'help'], {
      encoding: 'utf8',
    })
    assert.equal(result.stderr, expectedStderr)
    assert.equal(result.status, 0)
    assert.match(result.stdout, /^Usage: openhooks /)
  })

  it('the preinstall script prints the same line and lets a supported Node.js install', () => {
    const result = spawnSync(process.execPath, [`${ROOT}scripts/node-lines.js`], {
      encoding: 'utf8',
    })
    assert.deepEqual([result.status, result.stdout, result.stderr], [0, '', expectedStderr])
  })
})
