// `npm run lint`: a few rules that catch real mistakes, not a style guide (the compiler's
// strict mode covers the rest). The promise rules need type information, hence the project service.
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

// `const { input: _input, ...rest } = f` drops a field on purpose
const unusedVars = { ignoreRestSiblings: true };

export default defineConfig(
  globalIgnores(['**/dist/', '**/build/', 'experiments/*/runs/', 'runs/', 'tmp/']),
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: {
        // vite.config.ts is in no tsconfig (vite compiles it itself)
        projectService: { allowDefaultProject: ['packages/facet/web/vite.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test runs what test() and describe() return itself
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', unusedVars],
    },
  },
  {
    // library code stays typed; tests may read a child process's JSON as `any`
    files: ['packages/torch/lib/**/*.ts', 'packages/facet/src/**/*.ts', 'packages/facet/web/src/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    rules: { 'no-unused-vars': ['error', unusedVars] },
  },
);
