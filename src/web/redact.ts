import { redactUri } from '../core/uri.js';

/** Keys whose values are secrets whatever they hold (an older or foreign writer of a job record may have stored one). */
const SECRET_KEY = /key|secret|token|password|passwd|sas|signature|credential|connection.?string/i;

/**
 * A deep copy of a value fit for a page or the API: every string passes through redactUri (SAS
 * signatures, tokens, account keys, bearer tokens), and values under secret-looking keys become
 * 'REDACTED'. The job database already stores redacted URIs; this is the second lock on the door.
 */
export function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactUri(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && v !== null && typeof v !== 'boolean' ? 'REDACTED' : redactValue(v);
    return out;
  }
  return value;
}

/** Parses a job's options column (JSON) and redacts it; unparsable text is redacted as a string. */
export function redactedOptions(text: string): unknown {
  try {
    return redactValue(JSON.parse(text) as unknown);
  } catch {
    return redactUri(text);
  }
}
