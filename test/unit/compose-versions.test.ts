import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { pinnedVersions } from '../../scripts/cluster-layout';
import { postgresBinDir } from '../../scripts/cluster-postgres';

// temporal-dev.yml (Docker users) and `npm run cluster` (built here from the Go modules,
// scripts/provision-temporal-server.sh) must run the same Temporal: one version to test and
// document. A version bump changes both or fails here.
const compose = parse(readFileSync(path.resolve(__dirname, '..', '..', 'temporal-dev.yml'), 'utf8')) as {
  services: Record<string, { image: string }>;
};
const tag = (service: string) => compose.services[service]!.image.split(':')[1]!;

describe('temporal-dev.yml runs the versions npm run cluster pins', () => {
  const pinned = pinnedVersions();

  it('pins versions of the form vX.Y.Z', () => {
    expect(pinned.server).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(pinned.uiServer).toMatch(/^v\d+\.\d+\.\d+$/);
  });

  it('Temporal Server: auto-setup and admin-tools at the pinned go.temporal.io/server version', () => {
    expect(tag('temporal')).toBe(pinned.server.slice(1));
    expect(tag('temporal-admin-tools')).toBe(pinned.server.slice(1));
  });

  it('Web UI: temporalio/ui at the pinned ui-server version', () => {
    expect(tag('temporal-ui')).toBe(pinned.uiServer.slice(1));
  });

  it('PostgreSQL: the major the tests run on, which the postgres12 plugin of both supports (12 or later)', () => {
    // `npm run cluster` (test/cluster) and CI's DATABASE_URL run Debian's newest installed PostgreSQL
    // (postgresBinDir); compose names an image tag, so Docker users run the same major. Both are
    // checked against what Temporal's SQL plugin and schema (schema/postgresql/v12) need.
    const tested = Number(path.basename(path.dirname(postgresBinDir())));
    const composeMajor = Number(tag('postgresql').split('.')[0]);
    expect(compose.services.temporal!.image).toMatch(/^temporalio\/auto-setup:/);
    expect(composeMajor).toBeGreaterThanOrEqual(12);
    expect(composeMajor).toBe(tested);
  });
});
