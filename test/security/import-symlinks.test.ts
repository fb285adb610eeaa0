/**
 * Security review, finding 8: `openhooks import` reads only files inside its input folder, with
 * symbolic links resolved (hook JSON, tenant.yaml and scripts), and its errors never quote a
 * file's content.
 */
import assert from 'node:assert/strict'
import { symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { run, tempDir, writeTree } from '../cli/cli-helpers.js'

/** The import stops before it connects: these flags name a server that is never reached. */
const CONNECTION = ['--url', 'http://127.0.0.1:9', '--client-id', 'x', '--client-secret', 'y']
const OUTSIDE_CONTENT = 'root:x:0:0:root:/root:/bin/bash\n'

describe('import confines every file it reads to the input folder', () => {
  it('refuses a hooks/*.json that links outside, without quoting it', async (t) => {
    const outside = tempDir(t)
    const dir = tempDir(t)
    writeTree(outside, { passwd: OUTSIDE_CONTENT })
    writeTree(dir, { 'hooks/a.js': 'module.exports = function (u, c, cb) { cb() }' })
    symlinkSync(join(outside, 'passwd'), join(dir, 'hooks', 'a.json'))
    const result = await run('import', ['--format', 'directory', '--in', dir, ...CONNECTION])
    assert.deepStrictEqual(result, {
      code: 1,
      stdout: '',
      stderr: `openhooks import: nothing was written; 1 problem:
  hooks/a.json: leads outside the folder ${dir} (through a symbolic link); hooks/a.json is not read
`,
    })
  })

  it('refuses a tenant.yaml that links outside, without quoting it', async (t) => {
    const outside = tempDir(t)
    const dir = tempDir(t)
    writeTree(outside, { passwd: OUTSIDE_CONTENT })
    symlinkSync(join(outside, 'passwd'), join(dir, 'tenant.yaml'))
    const result = await run('import', ['--format', 'yaml', '--in', dir, ...CONNECTION])
    assert.deepStrictEqual(result, {
      code: 1,
      stdout: '',
      stderr: `openhooks import: nothing was written; 1 problem:
  tenant.yaml: leads outside the folder ${dir} (through a symbolic link); tenant.yaml is not read
`,
    })
  })

  it('does not quote a malformed file inside the folder either (JSON and YAML)', async (t) => {
    const dir = tempDir(t)
    writeTree(dir, { 'hooks/a.json': OUTSIDE_CONTENT, 'tenant.yaml': `${OUTSIDE_CONTENT}a: [b\n` })
    const json = await run('import', ['--format', 'directory', '--in', dir, ...CONNECTION])
    assert.equal(json.code, 1)
    assert.equal(
      json.stderr,
      'openhooks import: nothing was written; 1 problem:\n  hooks/a.json: is not valid JSON\n',
    )
    const yaml = await run('import', ['--format', 'yaml', '--in', dir, ...CONNECTION])
    assert.equal(yaml.code, 1)
    assert.ok(!yaml.stderr.includes('root:x'), yaml.stderr)
    assert.match(yaml.stderr, /tenant\.yaml: is not valid YAML: .+ at line \d+, column \d+\n/)
  })
})
