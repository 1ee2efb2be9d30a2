import { BlobStore, MissingPayloadError } from '../../db/blob-store';
import { openStore, type Store } from '../../db/store';
import { contentHash } from '../../domain/sync/content-hash';
import { storeBackends, type StoreBackend } from '../support/store-backends';

const plan = { planId: 'P-1', floors: [{ id: 'F1', spaces: [{ id: 'S1', area: 40 }] }], units: 'metric' };

describe.each(storeBackends('payload blobs'))('payload blobs on %s', (_name, createBackend) => {
  let backend: StoreBackend;
  let store: Store;
  let blobs: BlobStore;

  beforeAll(async () => {
    backend = await createBackend();
    store = await openStore(backend.location);
    blobs = new BlobStore(store.db);
  });
  afterAll(async () => {
    await store?.close();
    await backend?.cleanup();
  });

  it('stores a value once per content hash, whatever its key order, and gives it back', async () => {
    const ref = await blobs.put(plan);
    expect(ref).toEqual({
      sha256: contentHash(plan),
      bytes: Buffer.byteLength(
        '{"floors":[{"id":"F1","spaces":[{"area":40,"id":"S1"}]}],"planId":"P-1","units":"metric"}',
      ),
    });
    const reordered = { units: 'metric', floors: [{ spaces: [{ area: 40, id: 'S1' }], id: 'F1' }], planId: 'P-1' };
    expect(await blobs.put(reordered)).toEqual(ref);
    const rows = await store.db.query<{ n: number }>('SELECT count(*)::int AS n FROM payload_blobs WHERE hash = $1', [
      ref.sha256,
    ]);
    expect(rows[0]!.n).toBe(1);
    expect(await blobs.get(ref)).toEqual(plan);
  });

  it('answers undefined from find and MissingPayloadError from get for a reference never stored', async () => {
    const never = { sha256: '0'.repeat(64), bytes: 2 };
    expect(await blobs.find(never)).toBeUndefined();
    await expect(blobs.get(never)).rejects.toBeInstanceOf(MissingPayloadError);
  });
});
