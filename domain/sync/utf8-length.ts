/**
 * UTF-8 bytes of a string, without Buffer or TextEncoder (workflow code measures metadata with
 * it). A lone surrogate counts 3 bytes, as the U+FFFD it would be encoded as.
 */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}
