import { parseAllDocuments } from 'yaml';

/**
 * YAML (the `yaml` package, already the house's YAML library): edits are made in place by the text rules
 * (keys and URIs inside scalars keep the file's quoting, comments and layout); afterwards every document
 * must still parse as it did, or nothing in the file is rewritten.
 */
export function checkYaml(before: string, after: string): string | undefined {
  const errorsOf = (t: string): string | undefined => {
    // `yaml` makes one YAMLError per problem and V8 captures a stack for each (most of the time spent
    // on a broken file); only the first message is used, so no stacks are captured meanwhile.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      for (const doc of parseAllDocuments(t, { prettyErrors: false })) {
        const first = doc.errors[0];
        if (first !== undefined) return first.message.split('\n')[0] ?? 'error';
      }
      return undefined;
    } finally {
      Error.stackTraceLimit = limit;
    }
  };
  const broken = errorsOf(after);
  if (broken === undefined || errorsOf(before) !== undefined) return undefined;
  return `YAML: ${broken}`;
}
