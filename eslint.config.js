// ESLint flat config: typescript-eslint strictTypeChecked plus the architecture rules of
// ../shared/STYLE.md §3 (dependencies point one way: http → flows → hooks → sandbox, storage).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

/** Folders below `src/` and the folders each one must not import from. */
const forbidden = {
  sandbox: ['http', 'flows', 'hooks', 'storage', 'tokens', 'rate-limit', 'cli', 'directory'],
  storage: ['http', 'flows', 'hooks', 'sandbox', 'tokens', 'rate-limit', 'cli'],
  hooks: ['http', 'flows', 'cli'],
  // npm dependencies of hooks: installs, checks and bundles; knows nothing of HTTP, hooks or storage.
  dependencies: [
    'http',
    'flows',
    'hooks',
    'sandbox',
    'storage',
    'tokens',
    'rate-limit',
    'cli',
    'directory',
  ],
  flows: ['http', 'cli'],
  tokens: ['http', 'flows', 'hooks', 'sandbox', 'cli'],
  'rate-limit': ['http', 'flows', 'hooks', 'sandbox', 'storage', 'tokens', 'cli'],
  config: ['http', 'flows', 'hooks', 'sandbox', 'storage', 'tokens', 'rate-limit', 'cli'],
  errors: ['http', 'flows', 'hooks', 'sandbox', 'storage', 'tokens', 'rate-limit', 'cli'],
  logging: ['http', 'flows', 'hooks', 'sandbox', 'storage', 'tokens', 'rate-limit', 'cli'],
  directory: ['http', 'flows', 'hooks', 'sandbox', 'cli'],
  'tenant-log': ['http', 'flows', 'hooks', 'sandbox', 'cli', 'directory'],
  mail: ['http', 'flows', 'hooks', 'sandbox', 'storage', 'cli'],
  operator: ['http', 'flows', 'hooks', 'sandbox', 'storage', 'tokens', 'cli'],
  mfa: ['http', 'flows', 'hooks', 'sandbox', 'cli'],
  http: ['cli'],
}

const layering = Object.entries(forbidden).map(([folder, targets]) => ({
  files: [`src/${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: targets.map((target) => ({
          group: [`**/${target}/*`, `**/${target}/**`],
          message: `src/${folder} must not depend on src/${target} (STYLE.md §3).`,
        })),
      },
    ],
  },
}))

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'dashboard/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      // Template literals with numbers are how we build messages such as "maximum 20".
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // Fastify awaits async plugins, hooks and handlers; an `async` function without `await` is
      // how such a function declares that it returns a promise (and makes a throw a rejection).
      '@typescript-eslint/require-await': 'off',
      // `(chunk) => (text += chunk)` style callbacks are clear; only statements are forbidden.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
    },
  },
  ...layering,
  {
    // export/import reach the server only over HTTP: types from http/**/schemas.ts at most
    // (STYLE.md §3, §15). main.ts also runs `serve` and `token`, which need the server's modules.
    files: ['src/cli/**/*.ts'],
    ignores: ['src/cli/main.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/http/**'],
              allowTypeImports: true,
              message: 'src/cli may import only types from src/http/**/schemas.ts (STYLE.md §3).',
            },
            {
              group: [
                '**/hooks/**',
                '**/storage/**',
                '**/sandbox/**',
                '**/flows/**',
                '**/tokens/**',
                '**/crypto/**',
                '**/rate-limit/**',
                '**/config/**',
                '../main.js',
                '../app.js',
              ],
              message: 'src/cli talks to the server over HTTP only (STYLE.md §3, §15).',
            },
          ],
        },
      ],
    },
  },
  {
    // The CLI writes its results to stdout and diagnostics to stderr (STYLE.md §8).
    files: ['src/cli/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    // Tests use node:test's describe/it, which return promises that the runner awaits itself.
    files: ['test/**/*.ts', 'src/**/*.test.ts', 'src/**/*.contract.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
  },
  {
    files: ['scripts/**/*.js', 'bin/**/*.js'],
    rules: { 'no-console': 'off' },
  },
  {
    // native/isolated-vm-5: a CommonJS package that re-exports isolated-vm 5 (ADR 0006).
    files: ['native/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
)
