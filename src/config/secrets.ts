/**
 * What must never reach a terminal or a log line: the user:password@ part of a URL and the values
 * of OTLP headers (usually `authorization`). Config errors and every log line pass through here.
 */

const URL_CREDENTIALS_RE = /([a-z][a-z0-9+.-]*:\/\/)[^/\s@"'<>]+@/gi;

/** "http://user:pass@host" -> "http://***@host", anywhere in the text. */
export function maskUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS_RE, '$1***@');
}

/** Masks URL credentials and every occurrence of the given secret values (longest first). */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = maskUrlCredentials(text);
  const sorted = [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  for (const s of sorted) {
    if (out.includes(s)) out = out.split(s).join('***');
    // A value inside a JSON log line appears with its quotes and backslashes escaped.
    const escaped = JSON.stringify(s).slice(1, -1);
    if (escaped !== s && out.includes(escaped)) out = out.split(escaped).join('***');
  }
  return out;
}
