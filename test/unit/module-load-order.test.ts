import { readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The CLI loads only the area a command names (cli/main.ts), so any module can be the first
 * of its import cycle to load. A cycle whose modules read each other's values while loading
 * then fails with "Cannot access X before initialization" for that entry order only
 * (`arxflow deploy status` did). Every client and CLI module must load first on its own.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const FOLDERS = ['client/api', 'client/nlp', 'cli/commands', 'gateway'];

const modules = FOLDERS.flatMap((folder) =>
  readdirSync(path.join(ROOT, folder))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => `${folder}/${name}`),
);

describe('each client, CLI and gateway module loads when it is the first one loaded', () => {
  it.each(modules)('%s', (module) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh registry per module: jest's require
    expect(() => jest.isolateModules(() => require(path.join(ROOT, module)))).not.toThrow();
  });
});
