// Flat config: typescript-eslint's recommended rules, plus the one rule that keeps
// workflow code deterministic: workflows/ never imports activity implementations or I/O.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', '.arxflow/', 'coverage/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['bin/**/*.js', 'scripts/**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['../activities', '../activities/*', '../db', '../db/*', '../client', '../client/*'], allowTypeImports: true, message: 'Workflow and domain code may import only types from activities/db/client.' },
          { group: ['node:*', 'fs', 'net', 'http', 'https', 'crypto', 'child_process', 'pg', '@electric-sql/pglite', 'nodemailer', 'openai', '@slack/web-api'], message: 'No I/O in workflow or domain code: it must stay deterministic.' },
        ],
      }],
    },
  },
  {
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['@temporalio/*', '../*'], allowTypeImports: false, message: 'domain/ is pure TypeScript: no Temporal, no I/O, no imports from other layers.' }],
      }],
    },
  },
);
