import fc from 'fast-check';
import { canonicalJson } from '../../domain/canonical-json';

/** The first implementation, which hashed every stored content, commit and dedup key so far: the output must never change. */
function firstCanonicalJson(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
      const source = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(source)
          .filter((key) => source[key] !== undefined)
          .sort()
          .map((key) => [key, sortKeys(source[key])]),
      );
    }
    return v;
  };
  return JSON.stringify(sortKeys(value));
}

describe('canonicalJson', () => {
  it('sorts keys at every depth, keeps integer-like keys in the order JSON.stringify gives them, and drops undefined', () => {
    const value = JSON.parse('{"b":1,"10":2,"2":3,"a":[1,{"z":null,"y":2}],"c":{"e":true,"d":"x"}}') as Record<
      string,
      unknown
    >;
    expect(canonicalJson({ ...value, gone: undefined })).toBe(
      '{"2":3,"10":2,"a":[1,{"y":2,"z":null}],"b":1,"c":{"d":"x","e":true}}',
    );
    expect(canonicalJson({ at: new Date('2026-12-03T00:00:00Z') })).toBe('{"at":"2026-12-03T00:00:00.000Z"}');
  });

  it('keeps a "__proto__" key that JSON.parse made an own key, so it counts in the hash', () => {
    const value = JSON.parse('{"b":1,"__proto__":{"x":1}}') as unknown;
    expect(canonicalJson(value)).toBe('{"__proto__":{"x":1},"b":1}');
    expect(canonicalJson(value)).not.toBe(canonicalJson({ b: 1 }));
  });

  it('gives what the first implementation gave, for any JSON value and any key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const canonical = canonicalJson(value);
        expect(canonical).toBe(firstCanonicalJson(value));
        const reordered = JSON.parse(JSON.stringify(value), (_key, v: unknown) =>
          v !== null && typeof v === 'object' && !Array.isArray(v)
            ? Object.fromEntries(Object.entries(v as Record<string, unknown>).reverse())
            : v,
        ) as unknown;
        expect(canonicalJson(reordered)).toBe(canonical);
      }),
      { numRuns: 500 },
    );
  });
});
