import { InputError } from '../../domain/validation';
import { stdinMessages } from '../../mcp/stdin-messages';

async function collect(chunks: AsyncIterable<Buffer>, maxBytes?: number): Promise<string[]> {
  const messages: string[] = [];
  for await (const message of stdinMessages(chunks, maxBytes)) messages.push((message as Buffer).toString('utf8'));
  return messages;
}

async function* chunksOf(...parts: string[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield Buffer.from(part, 'utf8');
}

describe('stdinMessages: stdin as whole MCP messages', () => {
  it('gives each line whole, however the chunks cut it, its newline kept', async () => {
    const messages = await collect(chunksOf('{"a":', '1}\n{"b":2}\n{"c"', ':"é', '"}\n'));
    expect(messages).toEqual(['{"a":1}\n', '{"b":2}\n', '{"c":"é"}\n']);
    // A character cut between two chunks is joined as bytes, never decoded half.
    const bytes = Buffer.from('{"d":"é"}\n', 'utf8');
    const cut = bytes.indexOf(0xc3) + 1;
    async function* halves(): AsyncGenerator<Buffer> {
      yield bytes.subarray(0, cut);
      yield bytes.subarray(cut);
    }
    expect(await collect(halves())).toEqual(['{"d":"é"}\n']);
  });

  it('refuses a line longer than the limit as soon as it is that long, naming stdin and the message', async () => {
    let read = 0;
    async function* endlessZeros(): AsyncGenerator<Buffer> {
      yield Buffer.from('{"ok":1}\n');
      for (;;) {
        read += 1024;
        yield Buffer.alloc(1024);
      }
    }
    const refused = await collect(endlessZeros(), 64 * 1024).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(InputError);
    expect((refused as InputError).message).toBe('stdin: message 2 is longer than 65536 bytes');
    expect((refused as InputError).issues).toEqual([
      { path: 'stdin', message: 'message 2 is longer than 65536 bytes' },
    ]);
    expect(read).toBeLessThanOrEqual(65 * 1024);
  });

  it('takes a line of exactly the limit, and refuses one byte more held across chunks', async () => {
    expect(await collect(chunksOf('x'.repeat(10), 'y'.repeat(6), '\n'), 16)).toEqual([`${'x'.repeat(10)}yyyyyy\n`]);
    await expect(collect(chunksOf('x'.repeat(10), 'y'.repeat(7), '\n'), 16)).rejects.toThrow(
      'stdin: message 1 is longer than 16 bytes',
    );
    await expect(collect(chunksOf('x'.repeat(10), 'y'.repeat(7) + '\n'), 16)).rejects.toThrow(
      'stdin: message 1 is longer than 16 bytes',
    );
  });

  it('refuses input that stops mid-message', async () => {
    await expect(collect(chunksOf('{"a":1}\n{"b"'))).rejects.toThrow('stdin: message 2 ends without a newline');
  });
});
