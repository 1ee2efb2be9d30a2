import { StringDecoder } from 'node:string_decoder';
import { CliError, EXIT } from './output';

/** The longest line a command reads from stdin: a text to translate is 500 characters at most. */
export const STDIN_LINE_MAX_CHARS = 64 * 1024;

/**
 * The lines of `input` as they arrive, each without its end (`\n`, `\r\n`). Not readline: it holds
 * a line whole however long, so piped /dev/zero or a binary file without a newline was held until
 * the process ran out of memory. A line longer than `maxChars` is bad input naming its number.
 */
export async function* stdinLines(
  input: AsyncIterable<Buffer | string>,
  maxChars = STDIN_LINE_MAX_CHARS,
): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let number = 0;
  const line = (text: string) => {
    number++;
    const clean = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (clean.length > maxChars)
      throw new CliError(`stdin: line ${number} is longer than ${maxChars} characters`, EXIT.badInput);
    return clean;
  };
  for await (const chunk of input) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n')) {
      const text = pending.slice(0, end);
      pending = pending.slice(end + 1);
      yield line(text);
    }
    // Still no end of line: refused now, not once the line is whole.
    if (pending.length > maxChars + 1) line(pending);
  }
  pending += decoder.end();
  if (pending) yield line(pending);
}
