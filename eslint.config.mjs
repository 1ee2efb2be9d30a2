// Flat config: typescript-eslint's recommended rules, the import arrows between folders, and the
// rules that keep workflow code deterministic (no I/O, no activity code).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * What each folder may import (docs/architecture.md): domain/ nothing of ours; platform/ the
 * domain; db/ both; workflows/ the domain (and types of activities and db); activities/ the
 * domain, platform and db; client/ those and workflows (message definitions); workers/ run
 * workflows and activities; gateway/, mcp/ and cli/ sit on client/. scripts/, bench/, chaos/ and
 * test/ compose everything.
 */
const LAYERS = ['domain', 'platform', 'db', 'workflows', 'activities', 'client', 'workers', 'gateway', 'mcp', 'cli'];
const ENTRY_POINTS = ['scripts', 'bench', 'chaos', 'test', 'bin'];
const ALLOWED_IMPORTS = {
  platform: ['domain'],
  db: ['domain', 'platform'],
  workflows: ['domain', 'activities', 'db'],
  activities: ['domain', 'platform', 'db'],
  client: ['domain', 'platform', 'db', 'workflows'],
  workers: ['domain', 'platform', 'db', 'workflows', 'activities'],
  gateway: ['domain', 'platform', 'db', 'workflows', 'client'],
  mcp: ['domain', 'platform', 'db', 'workflows', 'client'],
  cli: ['domain', 'platform', 'db', 'workflows', 'client', 'mcp'],
};
const FORBIDDEN_IMPORTS = Object.fromEntries(
  Object.entries(ALLOWED_IMPORTS).map(([folder, allowed]) => [
    folder,
    [...LAYERS, ...ENTRY_POINTS].filter((other) => other !== folder && !allowed.includes(other)),
  ]),
);

const IO_MODULES = [
  'node:*',
  'fs',
  'net',
  'http',
  'https',
  'crypto',
  'child_process',
  'pg',
  '@electric-sql/pglite',
  'nodemailer',
  'openai',
  '@slack/web-api',
];

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', '.arxflow/', '.scratch/', 'coverage/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['bin/**/*.js', 'scripts/**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // The arrows (docs/architecture.md): each folder names the folders it must not import
  // from, so an import that runs back up fails `npm run lint`. Workflows may import types
  // (never code) from activities and db: proxyActivities<typeof ...> and result shapes.
  ...Object.entries(FORBIDDEN_IMPORTS).map(([folder, forbidden]) => ({
    files: [`${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(\\.\\./)+(${forbidden.join('|')})(/|$)`,
              message: `${folder}/ must not import from ${forbidden.join(', ')}: imports run one way (docs/architecture.md).`,
            },
            ...(folder === 'workflows'
              ? [
                  {
                    regex: '^(\\.\\./)+(activities|db)(/|$)',
                    allowTypeImports: true,
                    message: 'Workflow code may import only types from activities and db.',
                  },
                  { group: IO_MODULES, message: 'No I/O in workflow code: it must stay deterministic.' },
                ]
              : []),
          ],
        },
      ],
    },
  })),
  {
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(\\.\\./)+(${[...LAYERS, ...ENTRY_POINTS].filter((other) => other !== 'domain').join('|')})(/|$)`,
              message: 'domain/ is pure: it imports only domain/ and libraries like zod.',
            },
            { group: ['@temporalio/*'], message: 'domain/ has no Temporal imports.' },
            { group: IO_MODULES, message: 'No I/O in domain code: it runs inside workflows.' },
          ],
        },
      ],
      // The SDK evaluates every module of the workflow bundle once per workflow: a schema
      // built at import costs memory in each open workflow (measured ~1.2 MiB per workflow).
      'no-restricted-syntax': [
        'error',
        ...['Program > VariableDeclaration', 'Program > ExportNamedDeclaration > VariableDeclaration'].map(
          (declaration) => ({
            selector: `${declaration} > VariableDeclarator > CallExpression.init:not([callee.name='lazySchema']) MemberExpression > Identifier.object[name='z']`,
            message: 'Wrap module-level zod schemas in lazySchema(() => ...): workflows import domain/.',
          }),
        ),
      ],
    },
  },
);
