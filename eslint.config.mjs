// Flat config: typescript-eslint's recommended rules, plus the one rule that keeps
// workflow code deterministic: workflows/ never imports activity implementations or I/O.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const IO_MODULES = ['node:*', 'fs', 'net', 'http', 'https', 'crypto', 'child_process', 'pg', '@electric-sql/pglite', 'nodemailer', 'openai', '@slack/web-api'];

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', '.arxflow/', '.scratch/', 'coverage/', 'bench/results/'] },
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
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: '^(\\.\\./)+(activities|db|client|workers|scripts)(/|$)', allowTypeImports: true, message: 'Workflow code may import only types from activities, db and client.' },
          { group: IO_MODULES, message: 'No I/O in workflow code: it must stay deterministic.' },
        ],
      }],
    },
  },
  {
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: '^(\\.\\./)+(activities|db|client|workers|workflows|scripts)(/|$)', message: 'domain/ is pure: it imports only domain/ and libraries like zod.' },
          { group: ['@temporalio/*'], message: 'domain/ has no Temporal imports.' },
          { group: IO_MODULES, message: 'No I/O in domain code: it runs inside workflows.' },
        ],
      }],
      // The SDK evaluates every module of the workflow bundle once per workflow: a schema
      // built at import costs memory in each open workflow (measured ~1.2 MiB per workflow).
      'no-restricted-syntax': ['error', ...['Program > VariableDeclaration', 'Program > ExportNamedDeclaration > VariableDeclaration'].map((declaration) => ({
        selector: `${declaration} > VariableDeclarator > CallExpression.init:not([callee.name='lazySchema']) MemberExpression > Identifier.object[name='z']`,
        message: 'Wrap module-level zod schemas in lazySchema(() => ...): workflows import domain/.',
      }))],
    },
  },
);
