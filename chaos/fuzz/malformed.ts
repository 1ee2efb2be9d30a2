/**
 * The malformed values every bad-input surface is fed (HTTP bodies, path and query values, CLI
 * arguments, files): wrong types, 5 MB strings, 10,000-deep nesting, invalid UTF-8, NaN / 1e400 /
 * negative amounts, path-traversal ids and control characters. JSON cannot spell NaN, 1e400 or
 * invalid UTF-8, so a value may hold `Raw` pieces that are written into the encoded bytes as they
 * are (1e400 parses as Infinity; NaN and invalid bytes make the text malformed).
 */
import fc from 'fast-check';

/** Bytes written verbatim where a JSON value goes. */
export class Raw {
  constructor(
    readonly bytes: Buffer,
    readonly label: string,
  ) {}
}

/** A JSON-like value that may hold Raw pieces. */
export type Fuzzed = null | boolean | number | string | Raw | Fuzzed[] | { [key: string]: Fuzzed };

export const FIVE_MB = 5 * 1024 * 1024;
export const DEEP = 10_000;

// Built once: a 5 MB string and its JSON, shared by every case that uses them.
const HUGE = 'x'.repeat(FIVE_MB);
const raw = (text: string, label = text) => new Raw(Buffer.from(text, 'latin1'), label);
/** 10,000 nested arrays (or objects), as text: JSON.stringify would recurse 10,000 frames to write it. */
export const deepArray = raw(`${'['.repeat(DEEP)}${']'.repeat(DEEP)}`, `[x${DEEP}]`);
export const deepObject = raw(`${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}`, `{a:x${DEEP}}`);
export const hugeString = new Raw(Buffer.from(JSON.stringify(HUGE)), '"x"x5MB');

/** Invalid UTF-8 inside a JSON string: a lone continuation byte, a truncated sequence, an overlong '/', a surrogate, 0xFF. */
export const INVALID_UTF8: readonly Raw[] = [
  [0x80],
  [0xc3],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xff, 0xfe],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
].map((bytes) => new Raw(Buffer.concat([Buffer.from('"a'), Buffer.from(bytes), Buffer.from('b"')]), `utf8:${bytes}`));

/** Amounts no money field may take. */
export const BAD_NUMBERS: readonly Fuzzed[] = [
  raw('NaN'),
  raw('1e400'),
  raw('-1e400'),
  raw('Infinity'),
  -1,
  -0.01,
  -1e15,
  0.001,
  1.5,
  2 ** 53 + 2,
  -(2 ** 31),
  1e308,
  raw('-0'),
  raw('01'),
  raw('1e-400'),
];

export const TRAVERSAL_IDS: readonly string[] = [
  '..',
  '.',
  '../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '/etc/passwd',
  'a/../../b',
  '%2e%2e%2f%2e%2e%2f',
  '..%2f..%2f',
  'file:///etc/passwd',
  '~/.ssh/id_rsa',
  '....//....//',
  '/dev/zero',
];

export const CONTROL_STRINGS: readonly string[] = [
  '\u0000',
  'a\u0000b',
  '\r\nX-Injected: 1',
  '\u001b[31mred',
  '\u0007\u0008\u007f',
  '\u202ereversed',
  '\ufeff',
  '\ud800',
  'a\udc00b',
  '\u2028\u2029',
  '\t',
  ' ',
];

const controlString = fc.string({
  unit: fc
    .oneof(fc.integer({ min: 0, max: 31 }), fc.constantFrom(0x7f, 0x85, 0x2028, 0xfeff, 0xd800))
    .map((code) => String.fromCharCode(code)),
  minLength: 1,
  maxLength: 20,
});

/** A malformed string: traversal, control characters, long, empty. */
export const badString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...TRAVERSAL_IDS),
  fc.constantFrom(...CONTROL_STRINGS),
  controlString,
  fc.constantFrom('', ' ', 'x'.repeat(300), 'x'.repeat(70_000)),
  fc.string({ maxLength: 12 }),
);

/** Right-ish JSON of the wrong type for most fields. */
const wrongType: fc.Arbitrary<Fuzzed> = fc.oneof(
  fc.constantFrom<Fuzzed>(
    null,
    true,
    false,
    0,
    '',
    [],
    {},
    'x',
    ['x'],
    { a: 1 },
    JSON.parse('{"__proto__":{"admin":true}}') as Fuzzed,
  ),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Fuzzed>,
);

/** One malformed value, the size ones weighted low (each costs 5 MB or 20,000 characters to write). */
export const malformedValue: fc.Arbitrary<Fuzzed> = fc.oneof(
  { arbitrary: wrongType, weight: 6 },
  { arbitrary: badString, weight: 6 },
  { arbitrary: fc.constantFrom(...BAD_NUMBERS), weight: 5 },
  { arbitrary: fc.constantFrom(...INVALID_UTF8), weight: 2 },
  { arbitrary: fc.constantFrom<Fuzzed>(deepArray, deepObject), weight: 1 },
  { arbitrary: fc.constant<Fuzzed>(hugeString), weight: 1 },
);

/** A whole body that is not the JSON a route reads: broken text, the wrong top-level type, huge, deep. */
export const malformedDocument: fc.Arbitrary<Fuzzed> = fc.oneof(
  fc.constantFrom<Fuzzed>(
    raw('{'),
    raw('[1,'),
    raw('{"a":}'),
    raw(''),
    raw('null'),
    raw('"x"'),
    raw('{"a":1}{"b":2}'),
    raw('{"a":1,"a":2}'),
    raw('\u0000'),
    raw('{"__proto__":{"admin":true}}'),
    raw('{"constructor":{"prototype":{"admin":true}}}'),
    raw('NaN'),
    raw('1e400'),
    raw("{'single':'quotes'}"),
    raw('{"a":1,}'),
    deepArray,
    deepObject,
    hugeString,
  ),
  fc.constantFrom(...INVALID_UTF8),
  wrongType,
);

/** Encodes a Fuzzed value as bytes: JSON, with each Raw piece written as it is. */
export function encode(value: Fuzzed): Buffer {
  const parts: Buffer[] = [];
  const write = (v: Fuzzed): void => {
    if (v instanceof Raw) parts.push(v.bytes);
    else if (Array.isArray(v)) {
      parts.push(Buffer.from('['));
      v.forEach((item, i) => {
        if (i > 0) parts.push(Buffer.from(','));
        write(item);
      });
      parts.push(Buffer.from(']'));
    } else if (v !== null && typeof v === 'object') {
      parts.push(Buffer.from('{'));
      Object.entries(v).forEach(([key, item], i) => {
        parts.push(Buffer.from(`${i > 0 ? ',' : ''}${JSON.stringify(key)}:`));
        write(item);
      });
      parts.push(Buffer.from('}'));
    } else parts.push(Buffer.from(JSON.stringify(v) ?? 'null'));
  };
  write(value);
  return Buffer.concat(parts);
}

/** A short description of a value for a failure report (never the 5 MB of it). */
export function describe(value: Fuzzed | Buffer | string, max = 160): string {
  const text =
    value instanceof Raw
      ? `<${value.label}>`
      : Buffer.isBuffer(value)
        ? value.length > max
          ? `<${value.length} bytes> ${value.subarray(0, max).toString('latin1')}`
          : value.toString('latin1')
        : typeof value === 'string'
          ? value
          : JSON.stringify(value, (_key, v: unknown) => (v instanceof Raw ? `<${v.label}>` : v));
  const printable = JSON.stringify(text ?? 'undefined').slice(1, -1);
  return printable.length > max ? `${printable.slice(0, max)}…(${printable.length} chars)` : printable;
}
