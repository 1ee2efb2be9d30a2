import type { SqlDatabase } from './sql';

/** stdout/stderr of a step, or arxflow's own lines (resumed, cancelled, reused). */
export type LogStream = 'stdout' | 'stderr' | 'arxflow';

export interface LogChunk {
  seq: number;
  jobId: string;
  stepIndex: number | null;
  stream: LogStream;
  text: string;
  at: string;
}

interface ChunkRow {
  seq: string | number;
  job_id: string;
  step_index: number | null;
  stream: LogStream;
  text: string;
  bytes: number;
  dropped_bytes: string | number | null;
  at: Date | string;
}

/** Default bound of one step's stored output: past it the oldest chunks go (the tail stays). */
export const STEP_LOG_MAX_BYTES = 1024 * 1024;

/** Pipeline job logs in chunks, in the order they came; a follower reads what is after its last seq. */
export class PipelineLogs {
  constructor(private readonly db: SqlDatabase) {}

  async append(
    runId: string,
    jobId: string,
    stream: LogStream,
    text: string,
    options: { stepIndex?: number } = {},
  ): Promise<void> {
    // PostgreSQL text cannot hold NUL; a binary-ish output keeps everything else.
    const clean = text.replace(/\0/g, '');
    if (!clean) return;
    await this.db.query(
      'INSERT INTO pipeline_log_chunks (run_id, job_id, step_index, stream, text, bytes) VALUES ($1, $2, $3, $4, $5, $6)',
      [runId, jobId, options.stepIndex ?? null, stream, clean, Buffer.byteLength(clean)],
    );
  }

  async read(runId: string, options: { jobId?: string; afterSeq?: number; limit?: number } = {}): Promise<LogChunk[]> {
    const rows = await this.db.query<ChunkRow>(
      `SELECT * FROM pipeline_log_chunks
       WHERE run_id = $1 AND ($2::text IS NULL OR job_id = $2) AND seq > $3
       ORDER BY seq LIMIT $4`,
      [runId, options.jobId ?? null, options.afterSeq ?? 0, options.limit ?? 10_000],
    );
    return rows.map((row) => ({
      seq: Number(row.seq),
      jobId: row.job_id,
      stepIndex: row.step_index,
      stream: row.stream,
      text: row.text,
      at: new Date(row.at).toISOString(),
    }));
  }

  /**
   * Keeps a step's stored output within `maxBytes`: the oldest chunks are dropped and the first
   * of them becomes (or the existing one stays) a marker saying how much was dropped, so the
   * marker sorts before what is kept. Returns the bytes dropped by this call.
   */
  async trimStep(runId: string, jobId: string, stepIndex: number, maxBytes = STEP_LOG_MAX_BYTES): Promise<number> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<ChunkRow>(
        `SELECT seq, bytes, dropped_bytes FROM pipeline_log_chunks
         WHERE run_id = $1 AND job_id = $2 AND step_index = $3 ORDER BY seq DESC`,
        [runId, jobId, stepIndex],
      );
      let kept = 0;
      let marker: ChunkRow | undefined;
      const drop: ChunkRow[] = [];
      for (const row of rows) {
        if (row.dropped_bytes !== null) marker = row;
        else if (drop.length === 0 && kept + row.bytes <= maxBytes) kept += row.bytes;
        else drop.push(row);
      }
      if (drop.length === 0) return 0;
      const dropped = drop.reduce((sum, row) => sum + row.bytes, 0);
      const total = dropped + Number(marker?.dropped_bytes ?? 0);
      // drop is newest first: its last row is the oldest, which becomes the marker when there is none yet.
      const markerSeq = Number((marker ?? drop[drop.length - 1]!).seq);
      const gone = drop.map((row) => Number(row.seq)).filter((seq) => seq !== markerSeq);
      if (gone.length) await tx.query('DELETE FROM pipeline_log_chunks WHERE seq = ANY($1::bigint[])', [gone]);
      await tx.query(
        `UPDATE pipeline_log_chunks SET stream = 'arxflow', text = $2, bytes = 0, dropped_bytes = $3 WHERE seq = $1`,
        [markerSeq, `[arxflow] ${total} bytes of earlier output dropped: the last ${maxBytes} bytes are kept\n`, total],
      );
      return dropped;
    });
  }
}

/**
 * `text` in pieces of at most `maxBytes` of UTF-8 each, never splitting a character: chunks small
 * against the per-step bound, so trimming whole chunks keeps nearly all of the tail.
 */
export function utf8Pieces(text: string, maxBytes: number): string[] {
  const bytes = Buffer.from(text);
  if (bytes.length <= maxBytes) return [text];
  const pieces: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(bytes.length, start + Math.max(4, maxBytes));
    while (end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--; // not inside a character
    pieces.push(bytes.subarray(start, end).toString('utf8'));
    start = end;
  }
  return pieces;
}
