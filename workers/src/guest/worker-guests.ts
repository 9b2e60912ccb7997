/**
 * A worker's guest duty: one outbound connection to the relay as this member
 * device, watching every open guest link in the settings (links added later
 * are picked up as the settings change), with a GuestAnswerer answering their
 * visitors. A relay refusal or a lost connection is logged and retried.
 */
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import { GuestOwner } from '@tendril/crdt-schema/guest';
import type { ModelRef, SettingsDoc } from '@tendril/crdt-schema/schema';
import { syncUrl, type WorkspaceSession } from '@tendril/crdt-schema/workspace';
import type { ChosenProvider } from '../agent/provider-setup.ts';
import { NodeWebSocket } from '../peer/node-peer.ts';
import { GuestAnswerer } from './guest-answerer.ts';
import { ownerLinkKeys } from './link-keys.ts';

export interface WorkerGuestsDeps {
  readonly session: WorkspaceSession;
  readonly crypto: CryptoProvider;
  readonly settings: SettingsDoc;
  readonly chooseProvider: (prefer?: ModelRef) => ChosenProvider | null;
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** Wait before reconnecting after the relay connection is lost. */
  readonly retryMs?: number;
}

export async function startGuestAnswering(d: WorkerGuestsDeps): Promise<{ stop(): void }> {
  let stopped = false;
  let owner: GuestOwner | undefined;
  let watched = new Set<string>();
  let unobserve = (): void => undefined;

  const watchNew = async (answerer: GuestAnswerer): Promise<void> => {
    for (const entry of d.settings.guests.list()) {
      if (entry.endedAt !== 0 || watched.has(entry.id)) continue;
      watched.add(entry.id);
      await answerer.watch(ownerLinkKeys(d.crypto, entry)).catch((e: unknown) => d.log(`guest link ${entry.id}: ${(e as Error).message}`));
    }
  };

  const connect = async (): Promise<void> => {
    if (stopped) return;
    const { config, identity } = d.session.home;
    try {
      owner = await GuestOwner.connect({ url: syncUrl(config.relay), WebSocket: NodeWebSocket, crypto: d.crypto, device: identity, workspace: config.workspace, clientName: 'tendril-worker-guests' });
    } catch (e) {
      d.log(`guest links: ${(e as Error).message}; retrying`);
      setTimeout(() => void connect(), d.retryMs ?? 2000);
      return;
    }
    watched = new Set();
    const answerer = new GuestAnswerer({
      owner, me: identity.deviceId,
      linkEntry: (link) => d.settings.guests.get(link),
      agent: (entry) => d.settings.agents.get(entry.agent),
      chooseProvider: d.chooseProvider,
      workspacePrompt: () => d.settings.systemPrompt() || undefined,
      now: d.now,
      log: d.log,
    });
    owner.socket.onClose(() => {
      unobserve();
      if (!stopped) setTimeout(() => void connect(), d.retryMs ?? 2000);
    });
    unobserve = d.settings.observe(() => void watchNew(answerer));
    await watchNew(answerer);
  };

  await connect();
  return {
    stop() {
      stopped = true;
      unobserve();
      owner?.close();
    },
  };
}
