import { z } from 'zod';
import { lazySchema } from '../../domain/lazy-schema';

describe('lazySchema', () => {
  it('builds nothing until first use, then exactly once', () => {
    const build = jest.fn(() => z.object({ a: z.number().int().min(1) }).strict());
    const schema = lazySchema(build);
    const list = lazySchema(() => z.array(schema).min(1));
    expect(build).not.toHaveBeenCalled();
    expect(list.safeParse([{ a: 1 }, { a: 2 }]).success).toBe(true);
    expect(schema.safeParse({ a: 3 }).success).toBe(true);
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('behaves as the schema it wraps: errors with paths, extend, discriminated unions, instanceof, JSON Schema', () => {
    const item = lazySchema(() => z.object({ a: z.number().int().min(1) }).strict());
    const union = lazySchema(() =>
      z.discriminatedUnion('kind', [z.object({ kind: z.literal('x'), item }), z.object({ kind: z.literal('y') })]),
    );
    const extended = lazySchema(() => item.extend({ b: z.boolean() }));

    const issues = union
      .safeParse({ kind: 'x', item: { a: 0, extra: 1 } })
      .error?.issues.map((i) => `${i.path.join('.')}: ${i.code}`);
    expect(issues).toEqual(['item.a: too_small', 'item: unrecognized_keys']);
    expect(extended.parse({ a: 2, b: true })).toEqual({ a: 2, b: true });
    expect(extended.safeParse({ a: 2 }).success).toBe(false);
    expect(item).toBeInstanceOf(z.ZodObject);
    expect(z.toJSONSchema(item)).toMatchObject({ type: 'object', required: ['a'], additionalProperties: false });
  });

  it('composes into JSON Schema (OpenAPI) when wrapped schemas are optional, defaulted or reused inside others', () => {
    const name = lazySchema(() => z.string().min(1).optional());
    const count = lazySchema(() => z.number().int().default(3));
    const outer = lazySchema(() => z.object({ name, count, again: count }).strict());
    expect(z.toJSONSchema(outer, { io: 'input' })).toMatchObject({
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1 },
        count: { type: 'integer', default: 3 },
        again: { type: 'integer', default: 3 },
      },
      additionalProperties: false,
    });
  });
});
