// ESLint flat config: typescript-eslint strictTypeChecked plus the architecture rules of
// STYLE.md §3: each src/* folder imports only what eslint-rules/dependency-rules.js allows it.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import { localPlugin } from './eslint-rules/dependency-rules.js'

/** The allow-list of eslint-rules/dependency-rules.js, applied to every source file below src/. */
const layering = {
  files: ['src/**/*.ts'],
  ignores: ['src/**/*.test.ts'],
  plugins: { local: localPlugin },
  rules: { 'local/dependency-rules': 'error' },
}

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
  layering,
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
    // The runtime inside the isolate (src/sandbox/isolate/, docs/adr/0006-isolate-runtime-as-modules.md)
    // handles whatever values a hook script passes it, so most of it is written against `any`
    // (its tsconfig checks names, imports and arity, not parameter types yet). It keeps unbound
    // copies of built-ins (primordials), reads `arguments` without going through Array.prototype,
    // and uses `escape`/`unescape` and control characters in regexes on purpose.
    // Its unit tests share its tsconfig, so the rules that need strictNullChecks are off there too.
    files: ['src/sandbox/isolate/**/*.ts', 'test/sandbox/isolate/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      '@typescript-eslint/restrict-plus-operands': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/no-unnecessary-boolean-literal-compare': 'off',
      '@typescript-eslint/no-useless-default-assignment': 'off',
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      '@typescript-eslint/no-this-alias': 'off',
      '@typescript-eslint/no-deprecated': 'off',
      '@typescript-eslint/no-namespace': ['error', { allowDeclarations: true }],
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      'prefer-rest-params': 'off',
      'no-control-regex': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { caughtErrors: 'none', argsIgnorePattern: '^_' },
      ],
      // Promise jobs started on purpose: a hook's own promise chains, not the runtime's.
      '@typescript-eslint/no-floating-promises': 'off',
    },
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
