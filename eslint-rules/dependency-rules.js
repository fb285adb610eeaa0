// The dependency rules of src/ as an allow-list (STYLE.md §3): for each folder below src/, what it
// MAY import from the rest of src/. Everything else is rejected by the `local/dependency-rules`
// ESLint rule defined here, and test/lint/dependency-rules.test.ts fails when a folder below src/
// has no entry. The README's Layout table is generated from this table (`npm run docs`).
//
// A target is a folder below src/ ('flows': any file in it) or one file ('storage/store.ts': only
// that file). Imports inside a folder are always allowed; type-only imports count like any other.
// Domain folders see storage only through its contract, `storage/store.ts`; the SQL implementation
// is chosen by the composition roots (src/main.ts). Tests (*.test.ts) are not governed: they
// assemble real components (a SQLite store, a process runner) to exercise one folder.
// Two further lists name single files only (docs/adr/0015-http-service-layer.md):
// - `services`: the named service layer a folder may call (any import), e.g. the `HookService`
//   the Management API routes are handed;
// - `declarations`: files a folder may take only types and constants from: type-only imports and
//   named imports of UPPER_CASE names (`MAX_SCRIPT_CHARS`, `TRIGGER_IDS`); never a function or class.

import { dirname, posix, relative, resolve, sep } from 'node:path'

/**
 * @typedef {{ part: string, may: readonly string[], services?: readonly string[], declarations?: readonly string[] }} FolderRule
 */

/**
 * The files directly in src/. `app.ts` and `main.ts` assemble everything (composition roots) and
 * may import any folder ('*').
 * @type {Record<string, FolderRule>}
 */
export const ROOT_FILES = {
  'app.ts': { part: 'builds the services and registers the HTTP routes (`buildApp`)', may: ['*'] },
  'main.ts': {
    part: 'starts the server: configuration, store, runners, `buildApp`, graceful shutdown',
    may: ['*'],
  },
  'version.ts': { part: 'the package version', may: [] },
}

/** @type {Record<string, FolderRule>} */
export const DEPENDENCY_RULES = {
  config: { part: 'the configuration schema, loader and its generated docs', may: [] },
  errors: { part: 'the error catalogue and the three wire error types', may: [] },
  logging: { part: 'the pino logger', may: ['config'] },
  crypto: { part: 'key generation, sealing of secrets at rest, random tokens', may: [] },
  'rate-limit': {
    part: 'token buckets for the Management API, in memory or shared through the store',
    may: ['storage/store.ts'],
  },
  mail: { part: 'the SMTP client that sends password-reset mail', may: [] },
  sandbox: {
    part: 'worker processes running hook code in isolated-vm; knows nothing of hooks, HTTP or storage',
    may: [],
  },
  dependencies: {
    part: 'npm dependencies of hooks: installs, checks and bundles them',
    may: [],
  },
  storage: {
    part: 'the `Store` contract (`store.ts`) and its Kysely implementation: one store per domain in `sql/`, the SQLite dialect in `sql/sqlite.ts`; the change bus between nodes (`changes.ts`, `sql/postgres-changes.ts`)',
    may: [],
  },
  tokens: {
    part: 'access tokens, signing keys and the Management API scopes',
    may: ['crypto', 'storage/store.ts'],
  },
  mfa: {
    part: "the tenant's Guardian (MFA) settings and SMS templates",
    may: ['errors', 'storage/store.ts'],
  },
  observability: {
    part: 'what operators watch: the Management API audit trail (`sapi`/`fapi`), Prometheus metrics, OpenTelemetry traces; small calls the other folders make',
    may: ['sandbox/runner.ts', 'storage/store.ts', 'tenant-log'],
  },
  'tenant-log': {
    part: 'the tenant log (`/api/v2/logs`) and its live stream',
    may: ['logging', 'storage/changes.ts', 'storage/store.ts'],
  },
  directory: {
    part: 'the tenant directory: clients, resource servers and grants, users and their passwords (not the Deploy CLI "directory" format, which is in `src/cli/formats`)',
    may: ['crypto', 'errors', 'storage/store.ts', 'tokens'],
  },
  operator: {
    part: "the dashboard's operator account and sessions",
    may: ['crypto', 'directory/passwords.ts', 'storage/store.ts'],
  },
  hooks: {
    part: 'hook rules (names, enabling, secrets), the triggers and running a hook in the sandbox',
    // sandbox/script-syntax.ts: the compile check of enabling a hook (issue 18.7); it parses the
    // script in this process and never runs it.
    may: [
      'crypto',
      'dependencies',
      'errors',
      'logging',
      'sandbox/runner.ts',
      'sandbox/script-syntax.ts',
      // The short-lived cache of the enabled hook of each extensibility point.
      'storage/fresh-cache.ts',
      'storage/store.ts',
    ],
  },
  flows: {
    part: 'authentication flows that fire hooks: the `/oauth/token` grant registry (`grants/`) and its one client-authentication module, the MFA API, signup, change password, password tickets, the sign-in of the dashboard operator (`operator-sign-in.ts`), and the Runner (`test-run.ts`)',
    may: [
      'crypto',
      'directory',
      'errors',
      'hooks',
      'logging',
      'mail',
      'mfa',
      // The dashboard operator's sign-in (operator-sign-in.ts).
      'operator',
      // withSpan: the spans of a request's trace (client authentication, signing).
      'observability/tracing.ts',
      'sandbox/runner.ts',
      // The attack-protection counters' store contract (its tables came after the split by domain).
      'storage/attack-protection.ts',
      // The short-lived cache of the attack-protection settings.
      'storage/fresh-cache.ts',
      'storage/store.ts',
      'tenant-log',
      'tokens',
    ],
  },
  http: {
    part: 'Fastify plugins: `management` (`/api/v2`), `oauth` (`/oauth/token`), `mfa` (`/mfa/*`), `dbconnections`, `reset`, `public` (health, discovery, JWKS), `dashboard` (`/_dashboard`)',
    may: [
      'errors',
      'flows',
      'logging',
      'storage/store.ts',
      'rate-limit',
      'mfa',
      'operator',
      'tenant-log',
      'observability',
      'dependencies/spec.ts',
      'tokens/management-scopes.ts',
    ],
    // The service layer the route handlers are handed (besides `flows`): hook rules and the
    // tenant directory's clients, resource servers and grants, and users (ADR 0015).
    services: [
      'hooks/hook-service.ts',
      'directory/apis.ts',
      'directory/clients.ts',
      'directory/users.ts',
    ],
    // Types and limits the wire schemas and route options need.
    declarations: [
      'hooks/hook.ts',
      'hooks/execution-log.ts',
      'directory/passwords.ts',
      'tokens/access-token.ts',
      'tokens/signing-keys.ts',
    ],
  },
  cli: {
    part: 'the `openhooks` command; talks to a server over HTTP only (types of `http/**/schemas.ts`), except `serve` and `token`',
    // `serve` starts the server (main.ts); `token` signs an admin token (tokens/access-token.ts).
    may: [
      'http',
      'config',
      'main.ts',
      'local',
      'tokens/access-token.ts',
      'tokens/management-scopes.ts',
    ],
  },
  local: {
    part: 'what the `openhooks` command does on this machine without a server: `run` and `test` of hook files in the sandbox (their npm dependencies installed and bundled as a save does), `types` (TypeScript declarations of hook scripts), and `token` minted from the data folder',
    may: [
      'cli/cli-io.ts',
      'config',
      'crypto',
      'dependencies',
      'errors',
      'hooks',
      'main.ts',
      'sandbox/process-runner.ts',
      'sandbox/runner.ts',
      'storage/sql/sqlite.ts',
      'storage/store.ts',
      'tokens',
    ],
  },
}

/** Every target a folder may import anything from: its allow-list plus its service layer. */
export function allowedTargets(folder) {
  const rule = DEPENDENCY_RULES[folder] ?? ROOT_FILES[folder]
  if (rule === undefined) return undefined
  return [...rule.may, ...(rule.services ?? [])]
}

/** The files a folder may take only types and constants from. */
export function declarationTargets(folder) {
  const rule = DEPENDENCY_RULES[folder] ?? ROOT_FILES[folder]
  return rule?.declarations ?? []
}

/** A constant's name: UPPER_CASE (`MAX_SCRIPT_CHARS`, `TRIGGER_IDS`). */
const CONSTANT_NAME = /^[A-Z][A-Z0-9_]*$/

function specifierName(node) {
  return node.type === 'Identifier' ? node.name : String(node.value)
}

/**
 * The names a declaration takes that are neither types nor constants (a function, a class, a
 * namespace or default import); `['*']` for `export *` and `import()`, which take everything.
 */
export function nonDeclarationNames(node) {
  if (node.type === 'ImportExpression' || node.type === 'ExportAllDeclaration') return ['*']
  if (node.importKind === 'type' || node.exportKind === 'type') return []
  if (node.type === 'ImportDeclaration' && node.specifiers.length === 0) return ['(side effects)']
  return node.specifiers
    .filter((s) => s.importKind !== 'type' && s.exportKind !== 'type')
    .map((s) => {
      if (s.type === 'ImportDefaultSpecifier') return 'default'
      if (s.type === 'ImportNamespaceSpecifier') return '*'
      return specifierName(s.type === 'ImportSpecifier' ? s.imported : s.local)
    })
    .filter((name) => !CONSTANT_NAME.test(name))
}

/** Whether `target` (a path below src/, e.g. 'storage/sql/store.ts') is covered by an entry. */
export function isAllowed(entries, target) {
  return entries.some(
    (entry) =>
      entry === '*' || target === entry || target.startsWith(`${entry.replace(/\.ts$/, '')}/`),
  )
}

/** 'a/b.js' → 'a/b.ts' (the sources are TypeScript imported with NodeNext's .js suffix). */
function asSource(path) {
  return path.replace(/\.js$/, '.ts')
}

const srcSegment = `${sep}src${sep}`

/** The ESLint rule: reports relative imports from src/<folder> that the table does not allow. */
export const dependencyRule = {
  meta: {
    type: 'problem',
    docs: { description: 'src/* folders import only what eslint-rules/dependency-rules.js allows' },
    schema: [],
    messages: {
      noEntry: 'src/{{folder}} has no entry in eslint-rules/dependency-rules.js (STYLE.md §3).',
      forbidden:
        'src/{{folder}} may not import src/{{target}}: it may import {{allowed}} (eslint-rules/dependency-rules.js, STYLE.md §3).',
      declarationsOnly:
        'src/{{folder}} may take only types and UPPER_CASE constants from src/{{target}}, not {{names}} (eslint-rules/dependency-rules.js, STYLE.md §3).',
    },
  },
  create(context) {
    const filename = context.filename
    const at = filename.lastIndexOf(srcSegment)
    if (at < 0) return {}
    const srcRoot = filename.slice(0, at + srcSegment.length - 1)
    const own = relative(srcRoot, filename).split(sep)
    const folder = own[0] // a folder below src/, or a file directly in it

    const entries = allowedTargets(folder)
    const declarations = declarationTargets(folder)

    function check(node, source) {
      if (source === null || source === undefined || typeof source.value !== 'string') return
      const spec = source.value
      if (!spec.startsWith('.')) return
      const target = relative(srcRoot, resolve(dirname(filename), spec))
      if (target.startsWith('..')) return // outside src/
      const parts = target.split(sep)
      if (parts[0] === folder) return
      if (entries === undefined) {
        context.report({ node, messageId: 'noEntry', data: { folder } })
        return
      }
      const path = asSource(parts.join(posix.sep))
      if (isAllowed(entries, path)) return
      if (declarations.includes(path)) {
        const names = nonDeclarationNames(node)
        if (names.length === 0) return
        context.report({
          node,
          messageId: 'declarationsOnly',
          data: { folder, target: path, names: names.join(', ') },
        })
        return
      }
      context.report({
        node,
        messageId: 'forbidden',
        data: {
          folder,
          target: path,
          allowed: entries.length === 0 ? 'nothing of src/' : entries.join(', '),
        },
      })
    }

    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
    }
  },
}

export const localPlugin = { rules: { 'dependency-rules': dependencyRule } }
