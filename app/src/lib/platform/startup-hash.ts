/**
 * Hash changes made while the router starts. SvelteKit's hash router reads the URL once when it
 * starts, loads the first page, writes that URL back with `history.replaceState`, and only then
 * listens for `popstate`. A hash change in between (an invite link pasted into a tab that is still
 * opening, or opened by a script the moment the page has loaded) is reverted and never routed: the
 * tab shows the Welcome page at `/` and the invite link is gone from the address bar. Watching from
 * the client `init` hook (which runs just before the router reads the URL) keeps the latest such
 * change, and the root layout follows it once the router listens.
 *
 * A hash change fires `popstate` at once, while `location` holds the new URL, and `hashchange` in a
 * later task, by which time the router may have reverted `location`: so the URL is read on
 * `popstate` and taken from the event (`newURL`) on `hashchange`.
 */

type HashChange = { readonly newURL: string };

/** What the watch needs of the window. */
export interface HashSource {
  readonly location: { readonly href: string };
  addEventListener(type: 'popstate', listener: () => void): void;
  addEventListener(type: 'hashchange', listener: (event: HashChange) => void): void;
  removeEventListener(type: 'popstate', listener: () => void): void;
  removeEventListener(type: 'hashchange', listener: (event: HashChange) => void): void;
}

export interface StartupHash {
  /** Starts recording hash changes (from the client `init` hook). */
  watch(source: HashSource): void;
  /**
   * Stops recording once the router listens. Returns the URL the tab moved to by the latest hash
   * change, or null when there was none or the router already shows that hash (`routed`).
   */
  settle(routed: URL): string | null;
}

export function createStartupHash(): StartupHash {
  let source: HashSource | null = null;
  let latest: string | null = null;
  const onPopState = (): void => {
    if (source) latest = source.location.href;
  };
  const onHashChange = (event: HashChange): void => {
    latest = event.newURL;
  };
  const stop = (): void => {
    source?.removeEventListener('popstate', onPopState);
    source?.removeEventListener('hashchange', onHashChange);
    source = null;
  };
  return {
    watch(s) {
      stop();
      source = s;
      latest = null;
      s.addEventListener('popstate', onPopState);
      s.addEventListener('hashchange', onHashChange);
    },
    settle(routed) {
      stop();
      const href = latest;
      latest = null;
      if (href === null || sameHash(new URL(href), routed)) return null;
      return href;
    },
  };
}

/** The router decodes the hash it starts on (browsers differ in what they escape), so compare decoded. */
function sameHash(a: URL, b: URL): boolean {
  return a.origin === b.origin && a.pathname === b.pathname && decoded(a.hash) === decoded(b.hash);
}

function decoded(hash: string): string {
  try {
    return decodeURIComponent(hash);
  } catch {
    return hash;
  }
}
