/**
 * The logical line around an offset inside a JSON string literal, in the raw (escaped) text: the
 * span between the `\n` escapes (or the string's quotes) that enclose the offset. Notebook cells and
 * JSON-held scripts keep several source lines in one string; an edit that stays inside that span and
 * joins copies with a `\n` escape keeps the file valid JSON. Undefined when the offset is not inside
 * a string on its physical line (JSON strings never span physical lines).
 */
export function jsonStringLineAround(text: string, offset: number): { start: number; end: number } | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let lineEnd = text.indexOf('\n', offset);
  if (lineEnd < 0) lineEnd = text.length;
  let strStart = -1;
  let segStart = -1;
  for (let i = lineStart; i < lineEnd; i += 1) {
    const c = text.charCodeAt(i);
    if (strStart < 0) {
      if (i >= offset) return undefined;
      if (c === 0x22) {
        strStart = i + 1;
        segStart = strStart;
      }
      continue;
    }
    if (c === 0x5c) {
      const esc = text[i + 1];
      if (esc === 'n') {
        if (i >= offset) return { start: segStart, end: i };
        segStart = i + 2;
      }
      i += esc === 'u' ? 5 : 1;
      continue;
    }
    if (c === 0x22) {
      if (i >= offset) return { start: segStart, end: i };
      strStart = -1;
    }
  }
  return undefined;
}
