import { startPostgresCluster, type PostgresCluster } from '../../chaos/postgres-cluster';
import { isStoreUnreachable, patientDatabase } from '../../db/patient-database';
import { openPostgres } from '../../db/pg-database';
import type { SqlDatabase } from '../../db/sql';

// A PostgreSQL cluster of this test's own (initdb in a temp dir, as the chaos suite runs it),
// stopped and started again: the outage the store-outage scenario makes, which rolled
// deployments back and failed pipeline jobs before their activities waited it out.
describe('patientDatabase: a store outage waited out (PostgreSQL stopped and started)', () => {
  let cluster: PostgresCluster;
  let db: SqlDatabase;

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    db = await openPostgres(cluster.databaseUrl);
    await db.exec('CREATE TABLE patient_rows (id text PRIMARY KEY)');
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await cluster?.destroy();
  });

  it('runs a statement and a transaction sent while the store is down once it is back; an impatient one fails as unreachable', async () => {
    const patient = patientDatabase(db, { patienceMs: 60_000 });
    const impatient = patientDatabase(db, { patienceMs: 500 });
    await cluster.stop();
    const stoppedAt = Date.now();
    const statement = patient.query("INSERT INTO patient_rows (id) VALUES ('statement') RETURNING id");
    const transaction = patient.transaction(async (tx) => {
      await tx.query("INSERT INTO patient_rows (id) VALUES ('transaction-1')");
      await tx.query("INSERT INTO patient_rows (id) VALUES ('transaction-2')");
      return 'committed';
    });
    const refused = await impatient.query('SELECT 1').then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isStoreUnreachable(refused)).toBe(true);
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);

    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await cluster.start();
    expect(await statement).toEqual([{ id: 'statement' }]);
    expect(await transaction).toBe('committed');
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(3_000);
    const rows = await db.query<{ id: string }>('SELECT id FROM patient_rows ORDER BY id');
    expect(rows.map((row) => row.id)).toEqual(['statement', 'transaction-1', 'transaction-2']);
  }, 60_000);

  it('throws what the store answered at once: an error of the statement is not an outage', async () => {
    const patient = patientDatabase(db, { patienceMs: 60_000 });
    const started = Date.now();
    const duplicate = await patient.query("INSERT INTO patient_rows (id) VALUES ('statement')").then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(duplicate).toMatchObject({ code: '23505' }); // unique_violation
    expect(isStoreUnreachable(duplicate)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('gives up when the outage outlasts its patience, with the outage error', async () => {
    const patient = patientDatabase(db, { patienceMs: 1_500, firstPauseMs: 100 });
    await cluster.stop();
    try {
      const started = Date.now();
      const failure = await patient.query('SELECT 1').then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isStoreUnreachable(failure)).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await cluster.start();
    }
    expect(await patient.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  }, 60_000);
});
