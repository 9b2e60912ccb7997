/**
 * The proxy's kill switches, flipped while the relay runs: from the kill file
 * (re-read on SIGHUP) and from signed admin requests. Each source holds its
 * own set of switched-off targets; a target is off while any source, or the
 * start-up `disabled` list, names it, so reviving by one way never silently
 * undoes a switch made the other way. A target is a provider, `fetch` (the
 * web fetch), or `all`, which covers every provider and the web fetch.
 * Requests in flight hold the target's `signal`, aborted when it goes off,
 * so a switch cuts the streams already flowing too.
 */
import { setMaxListeners } from 'node:events';
import { PROXY_PROVIDERS, type ProxyProvider } from './config.ts';

export type KillTarget = ProxyProvider | 'fetch' | 'all';
export type KillSource = 'file' | 'admin';

/** Every name a kill file line or an admin request may use. */
export const KILL_TARGETS: readonly KillTarget[] = ['all', ...PROXY_PROVIDERS, 'fetch'];

export const isKillTarget = (name: string): name is KillTarget => (KILL_TARGETS as readonly string[]).includes(name);

export interface KillState {
  /** Every provider (and `fetch`) switched off now, whichever source did it. */
  readonly off: readonly (ProxyProvider | 'fetch')[];
  readonly file: readonly KillTarget[];
  readonly admin: readonly KillTarget[];
}

export interface KillSwitch {
  isOff(target: ProxyProvider | 'fetch'): boolean;
  /** Replaces the targets one source switches off. */
  set(source: KillSource, targets: Iterable<KillTarget>): void;
  kill(source: KillSource, target: KillTarget): void;
  /** Revives `target` for this source (`all` clears the source). */
  revive(source: KillSource, target: KillTarget): void;
  state(): KillState;
  /** Aborts when `target` is next switched off (already aborted while it is off). */
  signal(target: ProxyProvider | 'fetch'): AbortSignal;
  /** Called after every change (metrics, cutting streams in flight). */
  onChange(listener: (state: KillState) => void): void;
}

export function createKillSwitch(startOff: readonly ProxyProvider[] = []): KillSwitch {
  const sources: Record<KillSource, Set<KillTarget>> = { file: new Set(), admin: new Set() };
  const listeners: ((s: KillState) => void)[] = [];
  const isOff = (t: ProxyProvider | 'fetch'): boolean =>
    (t !== 'fetch' && startOff.includes(t)) || Object.values(sources).some((s) => s.has('all') || s.has(t));
  const state = (): KillState => ({
    off: [...PROXY_PROVIDERS, 'fetch' as const].filter(isOff),
    file: [...sources.file],
    admin: [...sources.admin],
  });
  const controllers = new Map<ProxyProvider | 'fetch', AbortController>();
  const changed = (): void => {
    for (const [t, c] of controllers) {
      if (!isOff(t)) continue;
      controllers.delete(t);
      c.abort();
    }
    const s = state();
    for (const l of listeners) l(s);
  };
  return {
    isOff,
    set(source, targets) {
      sources[source] = new Set(targets);
      changed();
    },
    kill(source, target) {
      sources[source].add(target);
      changed();
    },
    revive(source, target) {
      const s = sources[source];
      if (target === 'all') s.clear();
      // Reviving one target under `all` leaves every other target off.
      else if (s.delete('all')) for (const t of KILL_TARGETS) if (t !== 'all' && t !== target) s.add(t);
      s.delete(target);
      changed();
    },
    state,
    signal(target) {
      let c = controllers.get(target);
      if (!c) {
        c = new AbortController();
        // One listener per request in flight: many is normal, not a leak.
        setMaxListeners(0, c.signal);
        controllers.set(target, c);
      }
      if (isOff(target)) c.abort();
      return c.signal;
    },
    onChange: (l) => void listeners.push(l),
  };
}

/** Kill files bigger than this are refused: the file holds a few names. */
export const KILL_FILE_MAX_BYTES = 4096;

/**
 * The targets a kill file names: one per line (`all`, a provider, `fetch`); blank lines and
 * `#` comments are skipped. Throws a RangeError naming the first unknown line.
 */
export function parseKillFile(text: string): KillTarget[] {
  const out: KillTarget[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim().toLowerCase();
    if (line === '') return;
    if (!isKillTarget(line)) throw new RangeError(`kill file line ${i + 1}: unknown name ${JSON.stringify(raw.trim().slice(0, 40))} (use ${KILL_TARGETS.join(', ')})`);
    out.push(line);
  });
  return out;
}
