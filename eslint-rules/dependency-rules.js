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
// `exceptions` are imports that go against the intended direction and are to be removed: each one
// says why it exists today.

import { dirname, posix, relative, resolve, sep } from 'node:path'

/**
 * @typedef {{ target: string, reason: string }} DependencyException
 * @typedef {{ part: string, may: readonly string[], exceptions?: readonly DependencyException[] }} FolderRule
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
    part: 'authentication flows that fire hooks: the `/oauth/token` grant registry (`grants/`) and its one client-authentication module, the MFA API, signup, change password, password tickets, and the Runner (`test-run.ts`)',
    may: [
      'crypto',
      'directory',
      'errors',
      'hooks',
      'logging',
      'mail',
      'mfa',
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
    exceptions: [
      {
        target: 'hooks',
        reason:
          'the hooks routes call HookService directly and take the hook types and limits for their schemas; to go through a flow or a named service layer',
      },
      {
        target: 'directory',
        reason:
          'the Management API routes call the client, resource-server and user services directly, and the dashboard login checks the operator password with directory/passwords.ts',
      },
      {
        target: 'tokens/access-token.ts',
        reason: 'the Management API guard verifies tokens and the dashboard login signs one itself',
      },
      {
        target: 'tokens/signing-keys.ts',
        reason:
          'the public plugin serves the JWKS and the dashboard login signs with the keys itself',
      },
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

/** Every target a folder may import: its allow-list plus its recorded exceptions. */
export function allowedTargets(folder) {
  const rule = DEPENDENCY_RULES[folder] ?? ROOT_FILES[folder]
  if (rule === undefined) return undefined
  return [...rule.may, ...(rule.exceptions ?? []).map((e) => e.target)]
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
