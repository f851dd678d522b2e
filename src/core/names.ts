import { pathSegments } from './entry.js';
import type { NameRules } from './store.js';

/**
 * Why a destination would refuse (or silently alter) a store path, or undefined when it accepts it.
 * Used by migrate to skip such paths with a reason and by validate to expect them missing.
 */
export function nameRejection(path: string, rules: NameRules): string | undefined {
  const segments = pathSegments(path);
  if (rules.maxDepth !== undefined && segments.length > rules.maxDepth) {
    return `the path is ${segments.length} segments deep; the destination allows at most ${rules.maxDepth}`;
  }
  if (rules.maxPathLength !== undefined && path.length > rules.maxPathLength) {
    return `the path is ${path.length} characters long; the destination allows at most ${rules.maxPathLength}`;
  }
  for (const seg of segments) {
    // Built only for a refusal: this runs for every scanned path.
    const shown = (): string => JSON.stringify(seg.length > 60 ? `${seg.slice(0, 57)}...` : seg);
    if ((seg.length * 3 > rules.maxSegmentBytes) && Buffer.byteLength(seg, 'utf8') > rules.maxSegmentBytes) {
      return `the name ${shown()} is longer than ${rules.maxSegmentBytes} bytes`;
    }
    if (!rules.onlyWhitespace && /^[ \t]+$/.test(seg)) return `the name ${shown()} consists only of spaces or tabs`;
    if (!rules.trailingDot && seg.endsWith('.')) return `the name ${shown()} ends with '.'`;
    if (!rules.colon && seg.includes(':')) return `the name ${shown()} contains ':'`;
    if (!rules.backslash && seg.includes('\\')) return `the name ${shown()} contains a backslash`;
    // eslint-disable-next-line no-control-regex
    if (!rules.controlCharacters && /[\u0000-\u001f\u007f]/.test(seg)) return `the name ${shown()} contains a control character`;
  }
  return undefined;
}
