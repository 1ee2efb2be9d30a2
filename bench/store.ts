// `npm run bench -- store`: measures what the foundation adds over the plain database, in one run.
// audit append (hash chain + table lock) against a baseline INSERT of the same row into a
// table without the chain; runOnce (claim + effect + store result) against the bare effect;
// workflow events from 16 writers at once, group-committed (db/audit-group-commit.ts) against
// each writer's own transaction.
// Prints a table and writes bench/results/store.json.
import { openStore, type Store } from '../db/store';
import { createScratchSchema } from '../db/scratch-schema';
import { writeResults } from './results';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 500);
/** Writers at once for the group-commit rows: the alert bench's concurrency. */
const WRITERS = 16;

async function timeIt(rounds: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) await op(i);
  return Number(process.hrtime.bigint() - started) / 1e6 / rounds; // ms per op
}

/** ms per op (wall time over the count) with `writers` callers at once. */
async function timeConcurrent(rounds: number, writers: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      for (let i = next++; i < rounds; i = next++) await op(i);
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e6 / rounds;
}

async function benchBackend(name: string, store: Store) {
  await store.db.exec(`CREATE TEMP TABLE bench_plain (LIKE audit_events INCLUDING DEFAULTS);
    CREATE TEMP TABLE bench_effects (id SERIAL PRIMARY KEY, note TEXT)`);
  const entry = (i: number) => ({
    actor: 'bench',
    action: 'bench.append',
    subject: `s${i}`,
    data: { i, amount: i * 100 },
  });
  const baselineInsert = await timeIt(ROUNDS, (i) =>
    store.db.query(
      `INSERT INTO bench_plain (id, at, actor, action, subject, data, prev_hash, hash) VALUES ($1, now(), $2, $3, $4, $5, '', $6)`,
      [i, 'bench', 'bench.append', `s${i}`, JSON.stringify(entry(i).data), `h${i}`],
    ),
  );
  const auditAppend = await timeIt(ROUNDS, (i) => store.audit.append(entry(i)));
  const bareEffect = await timeIt(ROUNDS, (i) =>
    store.db.query('INSERT INTO bench_effects (note) VALUES ($1)', [`e${i}`]),
  );
  const runOnce = await timeIt(ROUNDS, (i) =>
    store.idempotency.runOnce(`bench/${Date.now()}/${i}`, (tx) =>
      tx.query('INSERT INTO bench_effects (note) VALUES ($1)', [`o${i}`]),
    ),
  );
  // A workflow's two events (an alert's triggered and notified) exactly once, as the audit activity writes them.
  const workflowEvents = (run: string, i: number) =>
    [0, 1].map((sequence) => ({ key: `bench/${run}/${i}/audit/${sequence}`, entry: entry(i) }));
  const eachAlone = await timeConcurrent(ROUNDS, WRITERS, (i) => {
    const keyed = workflowEvents(`alone-${Date.now()}`, i);
    return store.idempotency.runOnceEach(
      keyed.map(({ key }) => key),
      (fresh, tx) =>
        store.audit.appendAll(
          fresh.map((key) => keyed.find((one) => one.key === key)!.entry),
          tx,
        ),
    );
  });
  const grouped = await timeConcurrent(ROUNDS, WRITERS, (i) =>
    store.auditWrites.appendOnce(workflowEvents(`grouped-${Date.now()}`, i)),
  );
  const verifyStarted = process.hrtime.bigint();
  const verified = await store.audit.verify();
  if (!verified.ok) throw new Error(`bench chain broken at ${verified.brokenAt}: ${verified.reason}`);
  const verifyMs = Number(process.hrtime.bigint() - verifyStarted) / 1e6;
  return [
    { backend: name, operation: 'INSERT row (baseline)', msPerOp: baselineInsert, vsBaseline: 1 },
    {
      backend: name,
      operation: 'audit.append (hash chain)',
      msPerOp: auditAppend,
      vsBaseline: auditAppend / baselineInsert,
    },
    { backend: name, operation: 'bare effect (baseline)', msPerOp: bareEffect, vsBaseline: 1 },
    { backend: name, operation: 'idempotency.runOnce(effect)', msPerOp: runOnce, vsBaseline: runOnce / bareEffect },
    {
      backend: name,
      operation: `2 workflow events, ${WRITERS} writers, a transaction each (baseline)`,
      msPerOp: eachAlone,
      vsBaseline: 1,
    },
    {
      backend: name,
      operation: `2 workflow events, ${WRITERS} writers, group commit`,
      msPerOp: grouped,
      vsBaseline: grouped / eachAlone,
    },
    {
      backend: name,
      operation: `audit.verify (${verified.checked} events)`,
      msPerOp: verifyMs / Math.max(1, verified.checked),
      vsBaseline: NaN,
    },
  ];
}

/** Runs `work` on a store migrated into a throwaway schema, so the bench never touches real audit rows. */
async function withScratchSchema<T>(databaseUrl: string, work: (store: Store) => Promise<T>): Promise<T> {
  const scratch = await createScratchSchema(databaseUrl, 'arxflow_bench');
  const store = await openStore({ databaseUrl: scratch.databaseUrl });
  try {
    return await work(store);
  } finally {
    await store.close();
    await scratch.drop();
  }
}

export async function benchStore(): Promise<void> {
  const rows = [];
  const pglite = await openStore({ inMemory: true });
  rows.push(...(await benchBackend('PGlite', pglite)));
  await pglite.close();
  if (process.env.DATABASE_URL)
    rows.push(...(await withScratchSchema(process.env.DATABASE_URL, (store) => benchBackend('PostgreSQL', store))));
  console.log(`store benchmark, ${ROUNDS} operations each (sequential, or ${WRITERS} writers where said)`);
  console.table(
    rows.map((r) => ({
      ...r,
      msPerOp: r.msPerOp.toFixed(3),
      vsBaseline: Number.isNaN(r.vsBaseline) ? '-' : `${r.vsBaseline.toFixed(2)}x`,
    })),
  );
  writeResults('store', { rounds: ROUNDS, rows });
}
