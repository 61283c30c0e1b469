/**
 * True only for absolute `http:` and `https:` URLs. Everything else
 * (`javascript:`, `data:`, `vbscript:`, relative or malformed URLs) is refused,
 * so a catalog entity can never make the portal render a script link.
 */
export function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0) {
    return false;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && !!url.host;
}
