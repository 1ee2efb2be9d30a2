import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { InputError } from '../validation';

/**
 * XML text as plain objects (attributes as plain keys, values as strings), or an InputError naming
 * the file and, for broken XML (a report cut off mid-way), the line: a report that cannot be read
 * must never count as an empty one. `arrays` are the tag names that may repeat.
 */
export function parseXmlReport(text: string, fileName: string, arrays: readonly string[]): Record<string, unknown> {
  if (text.trim() === '') throw new InputError(`${fileName}: empty file`);
  const valid = XMLValidator.validate(text);
  if (valid !== true)
    throw new InputError(`${fileName}: line ${valid.err.line}: not well-formed XML: ${valid.err.msg}`);
  const repeating = new Set(arrays);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    parseTagValue: false,
    isArray: (name) => repeating.has(name),
  });
  return parser.parse(text) as Record<string, unknown>;
}

/** A numeric attribute, or an InputError naming the file and where. */
export function numberAttribute(value: unknown, fileName: string, where: string): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(number)) throw new InputError(`${fileName}: ${where}: not a number: ${JSON.stringify(value)}`);
  return number;
}

/** The elements under `key` of an XML node (none when absent; text-only nodes have none). */
export function childrenOf(node: unknown, key: string): Record<string, unknown>[] {
  if (!node || typeof node !== 'object') return [];
  const value = (node as Record<string, unknown>)[key];
  if (value === undefined || value === '') return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => (item && typeof item === 'object' ? (item as Record<string, unknown>) : {}));
}
