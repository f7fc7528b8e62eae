/** The text of an answer as JSON, and plain words for one that is not the JSON we expected. */
import type { RawResponse } from './http.js';

/** The body as JSON, or undefined when it is empty or not JSON. */
export function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What an unusable body looked like, e.g. "an HTML page" — never the body itself. */
export function bodyKind(res: RawResponse): string {
  const type = String(res.headers['content-type'] ?? '').toLowerCase();
  const text = res.text.trimStart();
  if (text === '') return 'an empty body';
  if (type.includes('html') || /^<(!doctype|html|head|body|\?xml)?/i.test(text)) {
    return 'an HTML page, perhaps from a proxy';
  }
  if (parseJson(res.text) === undefined) return 'JSON that is cut off or invalid';
  return 'JSON of an unexpected shape';
}
