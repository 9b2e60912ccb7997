/**
 * Which origins this page may fetch from, read from the Content-Security-Policy
 * the relay served it with (its connect-src). The agent runner asks before it
 * calls a model provider directly: a call the policy forbids would fail with
 * no reason the user could act on, so it goes through the relay's proxy or
 * ends with a clear message instead. A page served without a policy (the dev
 * server) may call anything.
 */

export interface ConnectPolicy {
  /** Whether the page may fetch `url`. */
  allows(url: string): boolean;
  /** The policy's connect-src, as served (empty when unrestricted). */
  readonly sources: readonly string[];
}

const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443', 'ws:': '80', 'wss:': '443' };

/** One host-source (`https://*.example.com:*`) against a URL; schemes, keywords and paths beyond that are not used by the relay. */
function matches(source: string, url: URL): boolean {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(\*\.)?([^/:]+|\[[^\]]+\])(?::(\d+|\*))?\/?$/i.exec(source);
  if (!m) return false;
  const [, scheme, wildcard, host, port] = m;
  if (`${scheme!.toLowerCase()}:` !== url.protocol) return false;
  const name = url.hostname.toLowerCase();
  const want = host!.toLowerCase();
  if (wildcard ? !name.endsWith(`.${want}`) : name !== want) return false;
  const actual = url.port || DEFAULT_PORT[url.protocol] || '';
  return port === '*' || actual === (port ?? DEFAULT_PORT[url.protocol]);
}

/** The connect-src (or default-src) of a CSP header, as a policy for a page served from `origin`. */
export function connectPolicy(header: string | null, origin: string): ConnectPolicy {
  const directives = new Map((header ?? '').split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map((d) => [d[0]!.toLowerCase(), d.slice(1)]));
  const sources = directives.get('connect-src') ?? directives.get('default-src');
  if (sources === undefined) return { allows: () => true, sources: [] };
  const self = new URL(origin);
  return {
    sources,
    allows(text) {
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        return false;
      }
      if (sources.includes("'self'") && url.origin === self.origin) return true;
      return sources.some((s) => s === '*' ? /^https?:$/.test(url.protocol) : matches(s, url));
    },
  };
}

/** Reads the policy this page was served with (a HEAD request to its own origin). */
export async function loadConnectPolicy(origin: string, fetcher: typeof fetch = fetch): Promise<ConnectPolicy> {
  const res = await fetcher(`${origin}/`, { method: 'HEAD', cache: 'no-store' });
  return connectPolicy(res.headers.get('content-security-policy'), origin);
}
