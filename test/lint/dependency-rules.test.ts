// The dependency allow-list (eslint-rules/dependency-rules.js) is complete, enforced by the
// project's own ESLint configuration, and mirrored by the README's Layout table.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import tseslint from 'typescript-eslint'
import { DEPENDENCY_RULES, ROOT_FILES } from '../../eslint-rules/dependency-rules.js'
import { README_LAYOUT_END, README_LAYOUT_START, renderLayoutTable } from '../../scripts/layout.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const srcEntries = readdirSync(`${root}src`)
const folders = srcEntries.filter((name) => statSync(`${root}src/${name}`).isDirectory())
const rootFiles = srcEntries.filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))

// The real eslint.config.js, without type information (probe files do not exist on disk, and the
// dependency rule does not need types): fast, and nothing is written.
const eslint = new ESLint({
  cwd: root,
  overrideConfig: [{ files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked }],
})

/** The dependency-rule messages ESLint reports for `code` as if it were the file at `path`. */
async function dependencyErrors(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${path}` })
  assert.ok(result, path)
  const fatal = result.messages.filter((m) => m.fatal === true)
  assert.deepEqual(fatal, [], `${path} did not parse`)
  return result.messages.filter((m) => m.ruleId === 'local/dependency-rules').map((m) => m.message)
}

test('every folder below src/ has an entry in the allow-list, and every entry is a folder', () => {
  assert.deepEqual(Object.keys(DEPENDENCY_RULES).sort(), [...folders].sort())
})

test('every file directly in src/ has an entry, and every entry is such a file', () => {
  assert.deepEqual(Object.keys(ROOT_FILES).sort(), [...rootFiles].sort())
})

test('every allowed target names an existing folder or file below src/', () => {
  const rules = [...Object.values(DEPENDENCY_RULES), ...Object.values(ROOT_FILES)]
  const targets = rules.flatMap((r) => [...r.may, ...(r.services ?? []), ...(r.declarations ?? [])])
  for (const target of targets.filter((t) => t !== '*')) {
    assert.doesNotThrow(() => statSync(`${root}src/${target}`), target)
  }
})

test('service layers and declarations name single files, and no rule keeps exceptions', () => {
  for (const [folder, rule] of Object.entries({ ...DEPENDENCY_RULES, ...ROOT_FILES })) {
    for (const target of [...(rule.services ?? []), ...(rule.declarations ?? [])]) {
      assert.ok(statSync(`${root}src/${target}`).isFile(), `${folder}: ${target}`)
    }
    assert.ok(!('exceptions' in rule), `${folder} has exceptions`)
  }
})

test('a folder without an entry is rejected', async () => {
  const errors = await dependencyErrors(
    'src/new-folder/thing.ts',
    "import { API_ERRORS } from '../errors/catalog.js'\nexport const n = API_ERRORS\n",
  )
  assert.deepEqual(errors, [
    'src/new-folder has no entry in eslint-rules/dependency-rules.js (STYLE.md §3).',
  ])
})

describe('the probe imports of issue 19 are rejected by lint', () => {
  const probes: [name: string, path: string, code: string, target: string][] = [
    [
      'sandbox → config',
      'src/sandbox/probe.ts',
      "import { loadConfig } from '../config/load-config.js'\nexport const f = loadConfig\n",
      'config/load-config.ts',
    ],
    [
      'sandbox → crypto',
      'src/sandbox/probe.ts',
      "import { randomToken } from '../crypto/keys.js'\nexport const f = randomToken\n",
      'crypto/keys.ts',
    ],
    [
      'http → the SQL store implementation',
      'src/http/management/probe.ts',
      "import type { Store } from '../../storage/sql/store.js'\nexport type S = Store\n",
      'storage/sql/store.ts',
    ],
    [
      'http → the SQLite dialect',
      'src/http/management/probe.ts',
      "import { openSqliteStore } from '../../storage/sql/sqlite.js'\nexport const f = openSqliteStore\n",
      'storage/sql/sqlite.ts',
    ],
    [
      'http → startProcessRunner',
      'src/http/oauth/probe.ts',
      "import { startProcessRunner } from '../../sandbox/process-runner.js'\nexport const f = startProcessRunner\n",
      'sandbox/process-runner.ts',
    ],
    [
      'crypto → app',
      'src/crypto/probe.ts',
      "import { buildApp } from '../app.js'\nexport const f = buildApp\n",
      'app.ts',
    ],
    [
      'a dynamic import: sandbox → storage',
      'src/sandbox/probe.ts',
      "export const f = () => import('../storage/store.js')\n",
      'storage/store.ts',
    ],
    [
      'http → hook dispatch (a domain module outside its service layer)',
      'src/http/management/probe.ts',
      "import { dispatch } from '../../hooks/dispatch.js'\nexport const f = dispatch\n",
      'hooks/dispatch.ts',
    ],
    [
      'http → the hook dispatcher',
      'src/http/management/probe.ts',
      "import type { HookDispatcher } from '../../hooks/hook-dispatcher.js'\nexport type D = HookDispatcher\n",
      'hooks/hook-dispatcher.ts',
    ],
    [
      'http → the hook triggers (a dynamic import)',
      'src/http/oauth/probe.ts',
      "export const f = () => import('../../hooks/triggers/index.js')\n",
      'hooks/triggers/index.ts',
    ],
    [
      'http → the admin client of the tokens',
      'src/http/public/probe.ts',
      "export * from '../../tokens/admin-client.js'\n",
      'tokens/admin-client.ts',
    ],
    [
      'a re-export: storage → http',
      'src/storage/probe.ts',
      "export { default } from '../http/management/plugin.js'\n",
      'http/management/plugin.ts',
    ],
  ]
  for (const [name, path, code, target] of probes) {
    test(name, async () => {
      const errors = await dependencyErrors(path, code)
      const folder = path.split('/')[1] ?? ''
      assert.equal(errors.length, 1, errors.join('\n'))
      assert.match(errors[0] ?? '', new RegExp(`^src/${folder} may not import src/${target}: `))
    })
  }
})

describe('http takes only types and constants from its declarations', () => {
  const probes: [name: string, path: string, code: string, message: string][] = [
    [
      'a password check from directory/passwords.ts',
      'src/http/dashboard/probe.ts',
      "import { MAX_PASSWORD_CHARS, verifyPassword } from '../../directory/passwords.js'\nexport const f = [MAX_PASSWORD_CHARS, verifyPassword]\n",
      'src/http may take only types and UPPER_CASE constants from src/directory/passwords.ts, not verifyPassword ',
    ],
    [
      'token signing from tokens/access-token.ts',
      'src/http/dashboard/probe.ts',
      "import { signAccessToken } from '../../tokens/access-token.js'\nexport const f = signAccessToken\n",
      'src/http may take only types and UPPER_CASE constants from src/tokens/access-token.ts, not signAccessToken ',
    ],
    [
      'a namespace import of tokens/signing-keys.ts',
      'src/http/public/probe.ts',
      "import * as keys from '../../tokens/signing-keys.js'\nexport const f = keys\n",
      'src/http may take only types and UPPER_CASE constants from src/tokens/signing-keys.ts, not * ',
    ],
    [
      'a re-exported function of hooks/hook.ts',
      'src/http/management/probe.ts',
      "export { isTriggerId, TRIGGER_IDS } from '../../hooks/hook.js'\n",
      'src/http may take only types and UPPER_CASE constants from src/hooks/hook.ts, not isTriggerId ',
    ],
  ]
  for (const [name, path, code, message] of probes) {
    test(name, async () => {
      const errors = await dependencyErrors(path, code)
      assert.equal(errors.length, 1, errors.join('\n'))
      assert.ok(errors[0]?.startsWith(message), errors[0])
    })
  }
})

test('imports the allow-list grants pass (the rule is not a blanket ban)', async () => {
  const allowed: [path: string, code: string][] = [
    [
      'src/http/oauth/probe.ts',
      "import type { Store } from '../../storage/store.js'\nexport type S = Store\n",
    ],
    [
      'src/http/oauth/probe.ts',
      "export { tokenEndpoint } from '../../flows/client-credentials.js'\n",
    ],
    ['src/sandbox/probe.ts', "import { x } from './runner.js'\nexport const y = x\n"],
    [
      'src/http/management/probe.ts',
      "import type { HookService } from '../../hooks/hook-service.js'\nimport { toWireUserId } from '../../directory/users.js'\nexport type H = HookService\nexport const f = toWireUserId\n",
    ],
    [
      'src/http/management/probe.ts',
      "import { MAX_SCRIPT_CHARS, TRIGGER_IDS, type TriggerId } from '../../hooks/hook.js'\nimport type { SigningKeys } from '../../tokens/signing-keys.js'\nexport type T = TriggerId | SigningKeys\nexport const n = [MAX_SCRIPT_CHARS, TRIGGER_IDS]\n",
    ],
    ['src/app.ts', "import { x } from './storage/sql/sqlite.js'\nexport const y = x\n"],
    [
      'src/hooks/triggers/probe.ts',
      "import { x } from '../../sandbox/runner.js'\nexport const y = x\n",
    ],
  ]
  for (const [path, code] of allowed) assert.deepEqual(await dependencyErrors(path, code), [], code)
})

test('the README Layout table is generated from the allow-list (run `npm run docs` when this fails)', () => {
  const readme = readFileSync(`${root}README.md`, 'utf8')
  const from = readme.indexOf(README_LAYOUT_START)
  const to = readme.indexOf(README_LAYOUT_END)
  assert.ok(from >= 0 && to > from, 'layout markers')
  assert.equal(readme.slice(from + README_LAYOUT_START.length, to).trim(), renderLayoutTable())
  for (const folder of folders) assert.ok(readme.includes(`| \`src/${folder}\` |`), folder)
})
