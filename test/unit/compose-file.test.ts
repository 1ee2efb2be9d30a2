import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { searchAttributeFlags } from '../../scripts/dev-server';

interface ComposeService {
  image: string;
  ports?: string[];
  environment?: Record<string, string>;
  entrypoint?: string[];
}

const compose = parse(readFileSync(path.resolve(__dirname, '..', '..', 'temporal-dev.yml'), 'utf8')) as {
  services: Record<string, ComposeService>;
};

describe('temporal-dev.yml (docker compose)', () => {
  it('has Temporal on PostgreSQL, admin tools and the UI', () => {
    const { services } = compose;
    expect(Object.keys(services).sort()).toEqual(['postgresql', 'temporal', 'temporal-admin-tools', 'temporal-ui']);
    expect(services.temporal!.image).toMatch(/^temporalio\/auto-setup:/);
    expect(services.temporal!.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
    expect(services['temporal-admin-tools']!.image).toMatch(/^temporalio\/admin-tools:/);
    expect(services['temporal-ui']!.image).toMatch(/^temporalio\/ui:/);
  });

  it('publishes the ports the README promises: gRPC 7233, Web UI 8233, PostgreSQL 5432', () => {
    expect(compose.services.temporal!.ports).toEqual(['7233:7233']);
    expect(compose.services['temporal-ui']!.ports).toEqual(['8233:8080']);
    expect(compose.services.postgresql!.ports).toEqual(['5432:5432']);
  });

  it('registers exactly the search attributes the dev server registers', () => {
    const devServer = searchAttributeFlags().filter((flag) => flag !== '--search-attribute');
    const composeList =
      compose.services['temporal-admin-tools']!.environment!.ARXFLOW_SEARCH_ATTRIBUTES!.trim().split(/\s+/);
    expect(composeList.sort()).toEqual(devServer.sort());
    expect(compose.services['temporal-admin-tools']!.entrypoint!.join('\n')).toContain(
      'temporal operator search-attribute create',
    );
  });
});
