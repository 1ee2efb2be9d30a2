import { Readable } from 'node:stream';
import { PLAN_STORED_MAX_BYTES } from '../domain/compliance/payload-ref';
import { InputError } from '../domain/validation';

/**
 * The longest message an assistant may send: a plan as large as the store keeps, as JSON text
 * inside a JSON-RPC message (escaping can double it). The SDK's own limit (10 MiB) refused
 * plans the CLI and the gateway check.
 */
export const MCP_MESSAGE_MAX_BYTES = 2 * PLAN_STORED_MAX_BYTES;

/**
 * stdin as whole messages (one line each, its `\n` kept) for the SDK's stdio transport. Its
 * buffer copies all it holds on every chunk, so a large message cost its size times its chunks;
 * here each line is joined once. A line longer than `maxBytes` is an InputError naming stdin as
 * soon as it is that long (the SDK closed without a word, the process ending 0), and so is
 * input that stops mid-line.
 */
export function stdinMessages(input: AsyncIterable<Buffer>, maxBytes = MCP_MESSAGE_MAX_BYTES): Readable {
  return Readable.from(messagesOf(input, maxBytes), { objectMode: false });
}

async function* messagesOf(input: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Buffer> {
  let held: Buffer[] = [];
  let heldBytes = 0;
  let number = 1;
  const refusal = (problem: string) => new InputError(`stdin: ${problem}`, [{ path: 'stdin', message: problem }]);
  const tooLong = () => refusal(`message ${number} is longer than ${maxBytes} bytes`);
  for await (const chunk of input) {
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      if (heldBytes + end - start > maxBytes) throw tooLong();
      yield Buffer.concat([...held, chunk.subarray(start, end + 1)]);
      held = [];
      heldBytes = 0;
      number++;
      start = end + 1;
    }
    if (start < chunk.length) {
      held.push(chunk.subarray(start));
      heldBytes += chunk.length - start;
      if (heldBytes > maxBytes) throw tooLong();
    }
  }
  if (heldBytes > 0) throw refusal(`message ${number} ends without a newline`);
}
