// ESLint flat config: typescript-eslint strictTypeChecked plus the architecture rules of
// ../shared/STYLE.md §3 (dependencies point one way: http → flows → hooks → sandbox, storage).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

/** Folders below `src/` and the folders each one must not import from. */
const forbidden = {
  sandbox: ['http', 'flows', 'hooks', 'storage', 'tokens', 'rate-limit', 'cli'],
  storage: ['http', 'flows', 'hooks', 'sandbox', 'tokens', 'rate-limit', 'cli'],
  hooks: ['http', 'flows', 'cli'],
  flows: ['http', 'cli'],
  tokens: ['http', 'flows', 'hooks', 'sandbox', 'cli'],
  'rate-limit': ['http', 'flows', 'hooks', 'sandbox', 'storage', 'tokens', 'cli'],
  config: ['http', 'flows', 'hooks', 'sandbox', 'storage', 'tokens', 'rate-limit', 'cli'],
  errors: ['http', 'flows', 'hooks', 'sandbox', 'storage', 'tokens', 'rate-limit', 'cli'],
  logging: ['http', 'flows', 'hooks', 'sandbox', 'storage', 'tokens', 'rate-limit', 'cli'],
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
)
