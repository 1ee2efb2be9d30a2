import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';

// package.json promises a lowest Node (engines.node); every package the lock file installs
// must run on it, else `npm install` warns EBADENGINE and the promise is false. A package
// that raises its floor (cookie 2 wants Node 22) is pinned in package.json `overrides`, or
// the project's engines raised honestly.
const root = path.resolve(__dirname, '..', '..');
const readJson = (file: string) => JSON.parse(readFileSync(path.join(root, file), 'utf8'));

interface LockedPackage {
  version?: string;
  engines?: { node?: string } | string[];
}

describe("every locked package runs on the project's lowest supported Node", () => {
  const promised = (readJson('package.json') as { engines: { node: string } }).engines.node;
  const lowest = semver.minVersion(promised);

  it('package.json names a lowest Node, and this Node is at least it', () => {
    expect(lowest).not.toBeNull();
    expect(semver.satisfies(process.version, promised)).toBe(true);
  });

  it(`no package in package-lock.json excludes Node ${lowest?.version} (engines.node)`, () => {
    const { packages } = readJson('package-lock.json') as { packages: Record<string, LockedPackage> };
    expect(Object.keys(packages).length).toBeGreaterThan(100);
    expect(excluding(packages, lowest!)).toEqual([]);
  });

  it('the check bites: it names cookie 2.0.2 (Node >= 22) as the lock file had it', () => {
    const before = {
      'node_modules/cookie': { version: '2.0.2', engines: { node: '>=22' } },
      'node_modules/fastify': { version: '5.8.0', engines: { node: '>=20' } },
      'node_modules/old-style': { version: '1.0.0', engines: ['node >= 0.8'] },
    };
    expect(excluding(before, lowest!)).toEqual(['cookie@2.0.2 needs node >=22']);
  });
});

/** Each locked package whose engines.node leaves out `node` (the old array form of engines is not checked by npm either). */
function excluding(packages: Record<string, LockedPackage>, node: semver.SemVer): string[] {
  return Object.entries(packages).flatMap(([where, locked]) => {
    const range = Array.isArray(locked.engines) ? undefined : locked.engines?.node;
    return range && !semver.satisfies(node, range)
      ? [`${where.replace(/^.*node_modules\//, '')}@${locked.version} needs node ${range}`]
      : [];
  });
}
