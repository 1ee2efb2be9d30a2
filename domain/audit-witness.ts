import { z } from 'zod';
import { lazySchema } from './lazy-schema';

/** `<sequence>:<hash>`: a head an earlier check saw (its `anchor`); the chain must still reach it. */
export const witnessSchema = lazySchema(() =>
  z
    .string()
    .regex(/^\d+:[0-9a-f]{64}$/, "must be <sequence>:<64 hex hash>, an earlier check's anchor")
    .transform((text) => ({ sequence: Number(text.split(':')[0]), hash: text.split(':')[1]! })),
);
