import { StringDecoder } from 'node:string_decoder';
import { utf8Pieces, type LogStream, type PipelineLogs } from '../../db/pipeline-logs';

const FLUSH_MS = 200;
const FLUSH_BYTES = 16 * 1024;

/** `text` with every secret value replaced by `***` (longest first, so one secret inside another is covered). */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret) out = out.split(secret).join('***');
  }
  return out;
}

/**
 * One step's stdout/stderr on their way to the store: decoded as UTF-8 across chunk boundaries,
 * masked, and written every ~200 ms or 16 KiB. Masking before a write keeps back the last
 * (longest secret - 1) characters of each stream, so a secret split across two reads of the pipe is
 * still whole when masked. Past `maxBytes` of output the store drops the oldest chunks (the tail stays).
 */
export class StepLogWriter {
  private readonly buffers: Record<'stdout' | 'stderr', { decoder: StringDecoder; text: string }> = {
    stdout: { decoder: new StringDecoder('utf8'), text: '' },
    stderr: { decoder: new StringDecoder('utf8'), text: '' },
  };
  private readonly holdBack: number;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private written = 0;
  private failure: unknown;

  constructor(
    private readonly logs: PipelineLogs,
    private readonly where: { runId: string; jobId: string; stepIndex: number },
    private readonly secrets: readonly string[],
    private readonly maxBytes: number,
  ) {
    this.holdBack = Math.max(0, ...secrets.map((s) => s.length - 1));
  }

  /** A line of arxflow's own (not the step's), written at once in order with the output. */
  note(text: string): Promise<void> {
    this.flush(false);
    return this.enqueue('arxflow', `[arxflow] ${text}\n`);
  }

  write(stream: 'stdout' | 'stderr', data: Buffer): void {
    const buffer = this.buffers[stream];
    buffer.text += buffer.decoder.write(data);
    if (buffer.text.length >= FLUSH_BYTES) this.flush(false);
    else this.timer ??= setTimeout(() => this.flush(false), FLUSH_MS);
  }

  /** Writes everything still buffered and waits for the store. Throws the first failed write. */
  async close(): Promise<void> {
    for (const buffer of Object.values(this.buffers)) buffer.text += buffer.decoder.end();
    this.flush(true);
    await this.writing;
    if (this.failure) throw this.failure;
  }

  private flush(all: boolean): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const stream of ['stdout', 'stderr'] as const) {
      const buffer = this.buffers[stream];
      const masked = maskSecrets(buffer.text, this.secrets);
      const cut = all ? masked.length : Math.max(0, masked.length - this.holdBack);
      buffer.text = masked.slice(cut);
      if (cut > 0) void this.enqueue(stream, masked.slice(0, cut));
    }
  }

  private enqueue(stream: LogStream, text: string): Promise<void> {
    const { runId, jobId, stepIndex } = this.where;
    this.writing = this.writing.then(async () => {
      try {
        // Pieces of at most an eighth of the bound: trimming whole pieces keeps nearly all of the tail.
        for (const piece of utf8Pieces(text, Math.min(FLUSH_BYTES, Math.floor(this.maxBytes / 8)))) {
          await this.logs.append(runId, jobId, stream, piece, { stepIndex });
        }
        this.written += Buffer.byteLength(text);
        // Trim only once the step has written more than the bound: one query per flush otherwise.
        if (this.written > this.maxBytes) await this.logs.trimStep(runId, jobId, stepIndex, this.maxBytes);
      } catch (err) {
        this.failure ??= err;
      }
    });
    return this.writing;
  }
}
