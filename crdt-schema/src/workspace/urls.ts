/** The relay's two URLs: http(s) for pages and invite links, ws(s) `/sync` for sync. */

/** The relay's WebSocket sync URL for an http(s) or ws(s) base URL. */
export function syncUrl(relay: string): string {
  const u = new URL(relay);
  u.protocol = u.protocol === 'https:' || u.protocol === 'wss:' ? 'wss:' : 'ws:';
  u.pathname = '/sync';
  u.hash = '';
  u.search = '';
  return u.toString();
}

/** The relay's http(s) base URL (no trailing slash). */
export function httpUrl(relay: string): string {
  const u = new URL(relay);
  u.protocol = u.protocol === 'wss:' || u.protocol === 'https:' ? 'https:' : 'http:';
  u.pathname = '';
  u.hash = '';
  u.search = '';
  return u.toString().replace(/\/$/, '');
}
