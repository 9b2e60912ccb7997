/**
 * Preferences of this device alone (the theme, the chat list's density, after
 * how long a terminal session counts as inactive): one
 * record of the device's own local store, sealed with the device's local key
 * (XChaCha20-Poly1305, associated data naming the workspace and the record)
 * under an id derived from the workspace and the device that no DocSync ever
 * opens, so they are never synced: changing the theme on one device leaves
 * every other device as it is. The synced settings' theme (from before
 * preferences were per device) is what a device shows until it picks its own.
 * A record that does not open, or a field out of range, reads as unset.
 */
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import { toBase64Url, type DeviceId, type DocId, type WorkspaceId } from '@tendril/crdt-schema/ids';
import { THEMES, type Theme } from '@tendril/crdt-schema/schema';
import { emptyMeta, type DocStore } from '@tendril/crdt-schema/sync';

const NONCE = 24;
const VERSION = 1;

export const DENSITIES = ['comfortable', 'compact'] as const;
export type Density = (typeof DENSITIES)[number];

/** Hours without activity after which a terminal session counts as inactive (idle-sessions.ts). */
export const DEFAULT_IDLE_HOURS = 24;
export const MAX_IDLE_HOURS = 24 * 90;

export interface DevicePrefs {
  readonly theme?: Theme;
  readonly density?: Density;
  /** Whole hours, 1..MAX_IDLE_HOURS; unset means DEFAULT_IDLE_HOURS. */
  readonly idleHours?: number;
}

export interface DevicePrefsHome {
  readonly crypto: CryptoProvider;
  readonly workspace: WorkspaceId;
  readonly device: DeviceId;
  readonly localKey: Uint8Array;
  readonly storeFor: (doc: DocId) => DocStore;
}

/** The local-only record id of a device's preferences (never a relay document). */
export function devicePrefsId(crypto: CryptoProvider, workspace: WorkspaceId, device: DeviceId): DocId {
  return toBase64Url(crypto.hash(new TextEncoder().encode(`tendril/local/device-prefs/${workspace}/${device}`), 16)) as DocId;
}

const oneOf = <T extends string>(v: unknown, values: readonly T[]): T | undefined => ((values as readonly unknown[]).includes(v) ? (v as T) : undefined);

/** The preferences in a parsed record; anything unknown or out of range is left out. */
export function parsePrefs(v: unknown): DevicePrefs {
  if (typeof v !== 'object' || v === null || (v as { v?: unknown }).v !== VERSION) return {};
  const r = v as Record<string, unknown>;
  const theme = oneOf(r.theme, THEMES);
  const density = oneOf(r.density, DENSITIES);
  const idleHours = Number.isSafeInteger(r.idleHours) && (r.idleHours as number) >= 1 && (r.idleHours as number) <= MAX_IDLE_HOURS ? (r.idleHours as number) : undefined;
  return { ...(theme ? { theme } : {}), ...(density ? { density } : {}), ...(idleHours !== undefined ? { idleHours } : {}) };
}

/** The theme this device shows: its own choice, else the synced one of old, else the system's. */
export function effectiveTheme(prefs: DevicePrefs, synced: Theme | undefined): Theme {
  return prefs.theme ?? synced ?? 'system';
}

export function devicePrefsStore(h: DevicePrefsHome) {
  const ad = new TextEncoder().encode(`tendril/local/device-prefs/${h.workspace}`);
  const store = h.storeFor(devicePrefsId(h.crypto, h.workspace, h.device));
  return {
    async load(): Promise<DevicePrefs> {
      const { state } = await store.load();
      if (!state || state.length <= NONCE) return {};
      const plain = h.crypto.aeadOpen(state.subarray(NONCE), ad, state.subarray(0, NONCE), h.localKey);
      if (!plain) return {};
      try {
        return parsePrefs(JSON.parse(new TextDecoder().decode(plain)));
      } catch {
        return {};
      }
    },
    async save(prefs: DevicePrefs): Promise<void> {
      const clean = parsePrefs({ ...prefs, v: VERSION });
      const nonce = h.crypto.randomBytes(NONCE);
      const ct = h.crypto.aeadSeal(new TextEncoder().encode(JSON.stringify({ v: VERSION, ...clean })), ad, nonce, h.localKey);
      const sealed = new Uint8Array(NONCE + ct.length);
      sealed.set(nonce);
      sealed.set(ct, NONCE);
      await store.compact(sealed, 0, emptyMeta);
    },
  };
}

export type DevicePrefsStore = ReturnType<typeof devicePrefsStore>;
