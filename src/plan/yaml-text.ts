import { parseDocument } from 'yaml';
import { StorageError } from '../core/errors.js';

/**
 * Parses YAML (or JSON) text a user wrote into plain values. Throws StorageError('invalid-argument')
 * naming the file (and the line, for syntax errors); aliases are resolved here, so an alias without
 * its anchor or too many aliases are reported the same way, never as another exception.
 */
export function parseYamlText(text: string, fileName: string, what = 'YAML'): unknown {
  const doc = parseDocument(text, { prettyErrors: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    const line = first.linePos?.[0].line;
    throw new StorageError('invalid-argument', `${fileName}: ${line === undefined ? '' : `line ${line}: `}not valid ${what} (${first.message.split('\n')[0] ?? ''})`);
  }
  try {
    return doc.toJS();
  } catch (error) {
    throw new StorageError('invalid-argument', `${fileName}: not valid ${what} (${error instanceof Error ? error.message : String(error)})`);
  }
}
