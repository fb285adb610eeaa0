import assert from 'node:assert/strict'
import { symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { renderDirectoryFormat } from '../../src/cli/formats/directory.js'
import { readYamlFormat, renderYamlFormat } from '../../src/cli/formats/yaml.js'
import {
  normalizeFileHookName,
  resolveInside,
  sanitizeFileName,
  type ExportedHook,
} from '../../src/cli/hook-files.js'
import { leftoverMarkers, replaceKeywords } from '../../src/cli/keywords.js'
import { runCli } from '../helpers/spawn-server.js'
import { tempDir, writeTree } from './cli-helpers.js'

describe('keyword replacement (deploy-cli rules)', () => {
  const mappings = {
    NAME: 'acme',
    LIST: ['a', 'b'],
    OBJ: { k: 1 },
    NUM: 3,
    DOLLAR: "$& $' $1",
  }

  it('writes @@KEY@@ as JSON and takes the quotes around it', () => {
    assert.equal(replaceKeywords('x = @@NAME@@', mappings), 'x = "acme"')
    assert.equal(replaceKeywords('{"n": "@@NAME@@"}', mappings), '{"n": "acme"}')
    assert.equal(replaceKeywords("n: '@@LIST@@'", mappings), 'n: ["a","b"]')
    assert.equal(replaceKeywords('o: @@OBJ@@, n: @@NUM@@', mappings), 'o: {"k":1}, n: 3')
  })

  it('writes ##KEY## as text, and keeps $ sequences literal', () => {
    assert.equal(replaceKeywords('"https://##NAME##.example"', mappings), '"https://acme.example"')
    assert.equal(replaceKeywords('##LIST## ##NUM##', mappings), 'a,b 3')
    assert.equal(replaceKeywords('##DOLLAR##', mappings), "$& $' $1")
    assert.equal(replaceKeywords('@@DOLLAR@@', mappings), `"$& $' $1"`)
  })

  it('leaves unknown markers, and lists them for a warning', () => {
    const text = replaceKeywords('@@NAME@@ @@OTHER@@ ##MORE## ##MORE##', mappings)
    assert.equal(text, '"acme" @@OTHER@@ ##MORE## ##MORE##')
    assert.deepStrictEqual(leftoverMarkers(text), ['@@OTHER@@', '##MORE##'])
  })

  it('treats keys as text, not as patterns', () => {
    assert.equal(replaceKeywords('@@A.B@@ @@AxB@@', { 'A.B': 1 }), '1 @@AxB@@')
  })
})

describe('names and paths', () => {
  it("normalises names as deploy-cli does: lower case, whitespace to '-'", () => {
    assert.equal(normalizeFileHookName('My Pre Reg\tHook'), 'my-pre-reg-hook')
    assert.equal(normalizeFileHookName('already-kebab'), 'already-kebab')
  })

  it('makes safe file names as sanitize-filename does', () => {
    assert.equal(sanitizeFileName('add-claims'), 'add-claims')
    assert.equal(sanitizeFileName('a/b\\c:d*e?f"g<h>i|j'), 'a-b-c-d-e-f-g-h-i-j')
    assert.equal(sanitizeFileName('..'), '-')
    assert.equal(sanitizeFileName('con'), '-')
    assert.equal(sanitizeFileName('name. '), 'name-')
    assert.equal(sanitizeFileName(''), 'undefined')
    assert.equal(Buffer.byteLength(sanitizeFileName('x'.repeat(300))), 255)
  })

  it('keeps script paths inside the folder, symbolic links included', (t) => {
    const root = tempDir(t)
    writeTree(root, { 'config/hooks/a.js': 'a', 'secret.js': 's' })
    const config = join(root, 'config')
    symlinkSync(join(root, 'secret.js'), join(config, 'hooks', 'link.js'))
    const hooks = join(config, 'hooks')
    assert.deepStrictEqual(resolveInside(config, hooks, './a.js'), { path: join(hooks, 'a.js') })
    assert.deepStrictEqual(resolveInside(config, hooks, '.\\a.js'), { path: join(hooks, 'a.js') })
    assert.deepStrictEqual(resolveInside(config, hooks, '../../secret.js'), {
      problem: `../../secret.js leads outside the folder ${config}`,
    })
    assert.deepStrictEqual(resolveInside(config, hooks, './link.js'), {
      problem: `./link.js leads outside the folder ${config} (through a symbolic link)`,
    })
    assert.deepStrictEqual(resolveInside(config, hooks, '/etc/passwd'), {
      problem: '/etc/passwd must be a path relative to the file',
    })
  })
})

describe('rendering', () => {
  const hook: ExportedHook = {
    name: 'b-hook',
    script: 'code',
    dependencies: { on: 'off', n: '1.10' },
    enabled: false,
    triggerId: 'post-change-password',
    secretNames: ['S'],
  }

  it('orders hooks by name and files by hook, in both formats', () => {
    const a = { ...hook, name: 'a-hook', secretNames: [] }
    assert.deepStrictEqual(
      [...renderDirectoryFormat([hook, a]).keys()],
      ['hooks/a-hook.js', 'hooks/a-hook.json', 'hooks/b-hook.js', 'hooks/b-hook.json'],
    )
    assert.deepStrictEqual(
      [...renderYamlFormat([hook, a]).keys()],
      ['hooks/a-hook.js', 'hooks/b-hook.js', 'tenant.yaml'],
    )
  })

  it('quotes YAML strings that YAML 1.1 would read as something else (on, n), as js-yaml does', (t) => {
    const yaml = renderYamlFormat([hook]).get('tenant.yaml')
    assert.equal(
      yaml,
      `hooks:
  - name: b-hook
    script: ./hooks/b-hook.js
    dependencies:
      'on': 'off'
      'n': '1.10'
    enabled: false
    secrets:
      S: _VALUE_NOT_SHOWN_
    triggerId: post-change-password
`,
    )
    // And it reads back as strings.
    const dir = tempDir(t)
    writeTree(dir, { 'tenant.yaml': yaml, 'hooks/b-hook.js': 'code' })
    const read = readYamlFormat(dir, {})
    assert.deepStrictEqual(read.problems, [])
    assert.deepStrictEqual(read.hooks[0]?.dependencies, { on: 'off', n: '1.10' })
  })
})

describe('openhooks export/import from the command line', () => {
  it('prints the command usage on --help, and exits 2 on a usage problem', async () => {
    const help = await runCli(['import', '--help'], {})
    assert.equal(help.code, 0)
    assert.match(help.stdout, /^Usage: openhooks import --format directory\|yaml --in DIR/)
    const bad = await runCli(['export', '--format', 'yaml'], {})
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /^--out DIR is required\n\nUsage: openhooks export/)
  })
})
