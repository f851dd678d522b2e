import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseYamlText } from './yaml-text.js';
import { StorageError } from '../core/errors.js';
import { planSchema, type Plan } from './plan-schema.js';

/** Formats a zod issue path as `datasets[2].pattern`. */
function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

/**
 * Validates a parsed plan. Throws StorageError('invalid-argument') whose message names the file and
 * every offending field, e.g. `plan.yaml: datasets[2].pattern: must be one of lift-and-shift, ...`.
 */
export function parsePlan(value: unknown, fileName = 'plan'): Plan {
  const result = planSchema.safeParse(value);
  if (result.success) return result.data;
  const lines = result.error.issues.slice(0, 10).map((issue) => `${fileName}: ${formatPath(issue.path)}: ${issue.message}`);
  const more = result.error.issues.length > 10 ? `\n(${result.error.issues.length - 10} more problems)` : '';
  throw new StorageError('invalid-argument', `${lines.join('\n')}${more}\nFix the plan (or regenerate it with lakeshift plan) and run again.`);
}

/** Parses plan YAML text (see parsePlan for errors; YAML syntax errors name the line). */
export function parsePlanText(text: string, fileName = 'plan'): Plan {
  return parsePlan(parseYamlText(text, fileName), fileName);
}

/**
 * Reads and validates a plan file. This is the one entry point `lakeshift migrate --plan` calls.
 * Throws StorageError('invalid-argument') naming the file and field for a missing, malformed or
 * invalid plan; never returns a partially valid plan.
 */
export async function loadPlan(path: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new StorageError('invalid-argument', `${path}: cannot read the plan (${code}). Create one with: lakeshift plan SOURCE --out ${basename(path)}`, { cause: error });
  }
  return parsePlanText(text, basename(path));
}
