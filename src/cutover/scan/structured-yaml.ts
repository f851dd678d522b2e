import { Composer, Parser } from 'yaml';

/** Thrown out of the composer at the first error: the rest of a broken file is not worth parsing. */
class StopAtFirstError extends Error {}

/**
 * The first error of a YAML text (all its documents), or undefined when it parses. `parseAllDocuments`
 * would collect every error and a broken file has one per line (the bench's YAML files with Gen1 lines
 * pasted in: ~1,300 errors and ~150 ms for 15 KB); this stops at the first one: the error tokens of the
 * parser, then the composer's errors through its error callback (the `yaml` package's Composer keeps it
 * as an instance field that composeDoc reads at each call; the final check below still catches any
 * error it records without calling it).
 */
function firstError(text: string): string | undefined {
  // The first message is kept: `yaml` catches some errors thrown inside it and reports them again.
  let first: string | undefined;
  const stop = (message: string): never => {
    first ??= message;
    throw new StopAtFirstError(first);
  };
  const composer = new Composer({ prettyErrors: false });
  (composer as unknown as { onError: (source: unknown, code: string, message: string, warning?: boolean) => void }).onError = (_source, _code, message, warning) => {
    if (warning !== true) stop(message);
  };
  function* tokens(): Generator<ReturnType<Parser['parse']> extends Generator<infer T> ? T : never> {
    for (const token of new Parser().parse(text)) {
      if (token.type === 'error') stop(token.message);
      yield token;
    }
  }
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    for (const doc of composer.compose(tokens(), true, text.length)) {
      const first = doc.errors[0];
      if (first !== undefined) return first.message;
    }
    return undefined;
  } catch (error) {
    if (error instanceof StopAtFirstError && first !== undefined) return first;
    throw error;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * YAML (the `yaml` package, already the house's YAML library): edits are made in place by the text rules
 * (keys and URIs inside scalars keep the file's quoting, comments and layout); afterwards every document
 * must still parse as it did, or nothing in the file is rewritten.
 */
export function checkYaml(before: string, after: string): string | undefined {
  // A file that did not parse before has nothing to keep (one parse, to its first error); else the
  // rewrite must parse too.
  if (firstError(before) !== undefined) return undefined;
  const broken = firstError(after);
  return broken === undefined ? undefined : `YAML: ${broken.split('\n')[0] ?? 'error'}`;
}
