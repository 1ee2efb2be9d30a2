import { sharedKeyWarnings } from '../../workers/main';

describe('sharedKeyWarnings: keys every process of one database must share', () => {
  const shared = { databaseUrl: 'postgres://db/arxflow', identity: { ui: 'on' as const } };

  it('names ARXFLOW_AUDIT_KEY and ARXFLOW_IDENTITY_KEYS when DATABASE_URL is set without them', () => {
    const warnings = sharedKeyWarnings(shared, {});
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/DATABASE_URL is set but ARXFLOW_AUDIT_KEY is not.*tampering that did not happen/);
    expect(warnings[1]).toMatch(/DATABASE_URL is set but ARXFLOW_IDENTITY_KEYS is not/);
  });

  it('is quiet when both keys are set, or for PGlite (one process)', () => {
    expect(
      sharedKeyWarnings({ ...shared, identity: { ui: 'on', keys: 'k1:abc' } }, { ARXFLOW_AUDIT_KEY: 'x'.repeat(32) }),
    ).toEqual([]);
    expect(sharedKeyWarnings({ identity: { ui: 'on' } }, {})).toEqual([]);
  });
});
