/**
 * What a worker keeps locally per plugin: the plugin's own small JSON state
 * (written only through the host API) and the host's record of the plugin
 * (chats it created, folders it asked to watch). In a private folder of the
 * worker's home; in memory for tests.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { PluginId } from '@tendril/crdt-schema/ids';
import { writePrivateJson } from '../home/files.ts';

export const MAX_PLUGIN_STATE_BYTES = 1_000_000;

/** Where a home keeps plugin state and, for relative entries, plugin code. */
export const pluginDirs = (home: string) => ({ state: join(home, 'plugins', 'state'), code: join(home, 'plugins', 'code') });

export interface HostRecord {
  /** Chats the plugin created through the host (it may write to them while it may create chats). */
  readonly ownedChats: readonly string[];
  /** Folders the plugin asked the host to watch. */
  readonly watches: readonly string[];
}

export interface PluginStateStore {
  get(plugin: PluginId): unknown;
  /** Replaces the plugin's state; E_BAD_INPUT when it is not JSON or too large. */
  set(plugin: PluginId, value: unknown): void;
  host(plugin: PluginId): HostRecord;
  updateHost(plugin: PluginId, change: (r: HostRecord) => HostRecord): HostRecord;
}

interface Stored {
  readonly state?: unknown;
  readonly host?: HostRecord;
}

const EMPTY: HostRecord = { ownedChats: [], watches: [] };

function checked(value: unknown): unknown {
  const text = JSON.stringify(value ?? null);
  if (text === undefined || Buffer.byteLength(text) > MAX_PLUGIN_STATE_BYTES) {
    throw new TendrilError('E_BAD_INPUT', `plugin state must be JSON of at most ${MAX_PLUGIN_STATE_BYTES} bytes`);
  }
  return JSON.parse(text) as unknown;
}

function store(read: (p: PluginId) => Stored, write: (p: PluginId, s: Stored) => void): PluginStateStore {
  return {
    get: (p) => read(p).state ?? null,
    set: (p, value) => write(p, { ...read(p), state: checked(value) }),
    host: (p) => ({ ...EMPTY, ...read(p).host }),
    updateHost(p, change) {
      const s = read(p);
      const next = change({ ...EMPTY, ...s.host });
      write(p, { ...s, host: next });
      return next;
    },
  };
}

export function memoryStateStore(): PluginStateStore {
  const m = new Map<PluginId, Stored>();
  return store((p) => m.get(p) ?? {}, (p, s) => void m.set(p, s));
}

/** One owner-only JSON file per plugin in `dir`. */
export function fileStateStore(dir: string): PluginStateStore {
  const path = (p: PluginId): string => join(dir, `${p}.json`);
  return store(
    (p) => (existsSync(path(p)) ? (JSON.parse(readFileSync(path(p), 'utf8')) as Stored) : {}),
    (p, s) => writePrivateJson(path(p), s),
  );
}
