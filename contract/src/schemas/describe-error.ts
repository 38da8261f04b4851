import type { z } from 'zod';

/** One line naming where a document is wrong: "records.3.turn: expected number, received string". */
export function describeSchemaError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problems)` : '';
  return `${path}: ${issue.message}${more}`;
}
