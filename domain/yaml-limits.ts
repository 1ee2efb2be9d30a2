/**
 * What a YAML (or JSON) text must not be before it reaches the YAML parser: larger than a file of
 * settings ever is, or nested deeper than one ever is.
 *
 * Size: the parser builds a quoted scalar a character at a time (a 5 MB string is a chain of 5
 * million joined pieces until V8 flattens it), and the bad-input chaos scenario once saw the config
 * file's schema check end in "RangeError: Maximum call stack size exceeded" on a 5 MB schedule id in
 * CI (not reproduced here with the same seed, idle or loaded). No arxflow YAML file is near 1 MiB.
 *
 * Depth: the parser recurses once per level: 1,000 levels overflow its stack, 10,000 of `[[[...`
 * took it 19 s on a loaded machine, and a run of such files once ended the process (V8 out of
 * memory compiling a RegExp right after the overflow). No arxflow file nests past a few dozen
 * levels, so a deeper one is refused as what it is, before it is parsed (found by the bad-input
 * chaos scenario).
 */

/** Deeper than this is refused: far past any real config, pipeline or policy file. */
export const MAX_YAML_DEPTH = 64;

/** Longer than this (in characters, about 1 MiB) is refused: the shipped config is 9 KB. */
export const MAX_YAML_CHARS = 1024 * 1024;

/**
 * Why `text` is too large or nests too deep to parse, or undefined. Depth is counted cheaply and
 * generously: flow brackets open outside quotes, plus the `- ` / `? ` block indicators and the
 * indentation of a line.
 */
export function yamlTextRefusal(text: string, maxDepth = MAX_YAML_DEPTH): string | undefined {
  if (text.length > MAX_YAML_CHARS)
    return `too large (${text.length.toLocaleString('en-US')} characters; at most ${MAX_YAML_CHARS.toLocaleString('en-US')})`;
  let flow = 0;
  let quote: '"' | "'" | undefined;
  let lineStart = true;
  let blockDepth = 0;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '\n') {
      lineStart = true;
      blockDepth = 0;
      indent = 0;
      continue;
    }
    if (lineStart) {
      if (c === ' ') {
        indent++;
        continue;
      }
      // `- - - x` opens a sequence per dash on one line.
      if ((c === '-' || c === '?') && (text[i + 1] === ' ' || text[i + 1] === '\n' || i + 1 === text.length)) {
        blockDepth++;
        continue;
      }
      lineStart = false;
      // Each level of block nesting is indented by at least one space.
      if (blockDepth + indent > maxDepth * 4)
        return `nested too deep (more than ${maxDepth} levels of indentation and list items on line ${lineOf(text, i)})`;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end - 1;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') {
      if (++flow > maxDepth)
        return `nested too deep (more than ${maxDepth} levels of [ and { at line ${lineOf(text, i)})`;
    } else if ((c === ']' || c === '}') && flow > 0) flow--;
  }
  return undefined;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
