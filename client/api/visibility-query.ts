import { z } from 'zod';

export const listFilterSchema = z
  .object({
    status: z.enum(['open', 'closed', 'all']).default('all'),
    project: z
      .string()
      .regex(/^[A-Za-z0-9._:/-]{1,100}$/, 'letters, digits and . _ : / - only')
      .optional(),
    type: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]{0,100}$/, 'a workflow type name')
      .optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(50),
  })
  .strict();

export type ListFilter = z.infer<typeof listFilterSchema>;

/**
 * A Temporal visibility query for the filter. Values are checked by listFilterSchema
 * to a safe alphabet first, so nothing a caller sends can change the query's shape.
 */
export function visibilityQuery(filter: ListFilter): string {
  const clauses: string[] = [];
  if (filter.status === 'open') clauses.push(`ExecutionStatus = 'Running'`);
  if (filter.status === 'closed') clauses.push(`ExecutionStatus != 'Running'`);
  if (filter.project) clauses.push(`ProjectId = '${filter.project}'`);
  if (filter.type) clauses.push(`WorkflowType = '${filter.type}'`);
  return clauses.join(' AND ');
}
