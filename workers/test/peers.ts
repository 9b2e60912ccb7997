/**
 * Workspace fixtures for integration tests: an admin home and invited homes
 * made with the real CLI, opened as NodePeers in this process.
 */
import { join } from 'node:path';
import { loadCrypto, type CryptoProvider } from '@tendril/crdt-schema/crypto';
import { parseChatId, type ChatId } from '@tendril/crdt-schema/ids';
import { parseProviderId } from '@tendril/crdt-schema/schema';
import { openHome } from '../src/home/device-home.ts';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import type { DeviceHome } from '../src/home/device-home.ts';
import { openNodeSession } from '../src/peer/node-peer.ts';
import { cliOk } from './harness.ts';

export interface Workspace {
  readonly crypto: CryptoProvider;
  readonly homes: string[];
  readonly chat: ChatId;
  open(i: number, o?: { relay?: string; snapshotEvery?: number }): Promise<WorkspaceSession & { home: DeviceHome }>;
}

/** An admin home plus `devices` invited device homes sharing one chat. */
export async function makeWorkspace(dir: string, relayUrl: string, devices: number): Promise<Workspace> {
  const crypto = await loadCrypto();
  const admin = join(dir, 'home-0');
  await cliOk('init', '--home', admin, '--relay', relayUrl, '--name', 'admin');
  const chat = parseChatId((await cliOk('chat', 'new', '--home', admin, '--title', 'shared')).last);
  const homes = [admin];
  for (let i = 1; i <= devices; i++) {
    const link = (await cliOk('invite', '--home', admin)).last;
    const home = join(dir, `home-${i}`);
    await cliOk('join', '--home', home, link, '--name', `device-${i}`);
    homes.push(home);
  }
  return {
    crypto,
    homes,
    chat,
    open: (i, o = {}) => openNodeSession(crypto, openHome(crypto, homes[i]!), { clientName: `test-${i}`, ...o }) as Promise<WorkspaceSession & { home: DeviceHome }>,
  };
}

/** Stores an OpenAI-compatible provider (the fake one in tests) with its key and default model in the workspace settings, synced. */
export async function useProvider(ws: Workspace, o: { baseUrl: string; apiKey: string; model?: string }): Promise<void> {
  const model = o.model ?? 'gpt-4o-mini';
  const s = await ws.open(0);
  const { settings } = await s.openSettings();
  settings.upsertProvider({ id: parseProviderId('fake'), kind: 'openai', baseUrl: o.baseUrl, models: [model] });
  settings.setApiKey(parseProviderId('fake'), o.apiKey);
  settings.setDefaultModel({ provider: parseProviderId('fake'), model });
  const synced = await s.syncOrQueue(10_000);
  await s.close();
  if (synced !== 'synced') throw new Error('the provider settings did not reach the relay');
}
