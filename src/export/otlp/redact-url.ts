/**
 * An endpoint URL fit for a log line: userinfo (user:password@) and query values are masked, so a
 * credential typed into an endpoint never reaches logs. Text that does not parse as a URL has
 * anything up to an '@' masked instead.
 */
export function redactUrl(raw: string): string {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  // "user:pw@host:4317" parses with "user:" as its scheme: only URLs with an authority are trusted.
  if (!url || url.host === '') {
    return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@]*@/i, (_m, scheme: string | undefined) => `${scheme ?? ''}***@`);
  }
  if (url.username || url.password) {
    url.username = '***';
    url.password = '';
  }
  for (const key of [...url.searchParams.keys()]) url.searchParams.set(key, '***');
  return url.toString().replace(/\/$/, raw.endsWith('/') ? '/' : '');
}
