/**
 * A runner's guest duty, for a worker and the browser runner alike: one
 * outbound connection to the relay as this member device, watching every open
 * guest link in the settings (links added later are picked up as the settings
 * change), with a GuestAnswerer answering their visitors. A relay refusal or
 * a lost connection is logged and retried. A link is watched (and the relay
 * told this runner answers it, which visitors see as the agent being there)
 * only once this runner has a model for the link's agent; `rescan` looks
 * again (a tab's connect policy arrived, a provider was added). The WebSocket
 * is injected (Node's on a worker, the page's in a browser).
 */
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import { GuestOwner } from '@tendril/crdt-schema/guest';
import type { ModelRef, SettingsDoc } from '@tendril/crdt-schema/schema';
import type { WebSocketConstructor } from '@tendril/crdt-schema/sync';
import { syncUrl, type WorkspaceSession } from '@tendril/crdt-schema/workspace';
import type { ChosenProvider } from '../agent/provider-setup.ts';
import { GuestAnswerer, type GuestAnswererDeps } from './guest-answerer.ts';
import { ownerLinkKeys } from './link-keys.ts';

export interface WorkerGuestsDeps {
  readonly session: WorkspaceSession;
  readonly crypto: CryptoProvider;
  readonly settings: SettingsDoc;
  readonly chooseProvider: (prefer?: ModelRef) => ChosenProvider | null;
  /** The toolbox for an agent's listed tools; guests get those their link allows, and none without this. */
  readonly tools?: GuestAnswererDeps['tools'];
  readonly WebSocket: WebSocketConstructor;
  /** The relay's http(s) base; absent: the home's relay (a page passes its own origin). */
  readonly relay?: string;
  readonly clientName?: string;
  /** How long a claim holds unless renewed. */
  readonly leaseMs?: number;
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** Wait before reconnecting after the relay connection is lost. */
  readonly retryMs?: number;
}

export interface GuestAnswering {
  /** Watches links this runner can answer now and looks at waiting messages again. */
  rescan(): void;
  stop(): void;
}

export async function startGuestAnswering(d: WorkerGuestsDeps): Promise<GuestAnswering> {
  let stopped = false;
  let owner: GuestOwner | undefined;
  let answerer: GuestAnswerer | undefined;
  let watched = new Set<string>();
  let unobserve = (): void => undefined;

  const watchNew = async (answerer: GuestAnswerer): Promise<void> => {
    for (const entry of d.settings.guests.list()) {
      if (entry.endedAt !== 0 || watched.has(entry.id)) continue;
      // Without a model for the link's agent this runner would only claim to be there: it leaves the link to others.
      const agent = d.settings.agents.get(entry.agent);
      if (d.chooseProvider(agent?.provider && agent.model ? { provider: agent.provider, model: agent.model } : undefined) === null) continue;
      watched.add(entry.id);
      await answerer.watch(ownerLinkKeys(d.crypto, entry)).catch((e: unknown) => d.log(`guest link ${entry.id}: ${(e as Error).message}`));
    }
  };

  const connect = async (): Promise<void> => {
    if (stopped) return;
    const { config, identity } = d.session.home;
    try {
      owner = await GuestOwner.connect({ url: syncUrl(d.relay ?? config.relay), WebSocket: d.WebSocket, crypto: d.crypto, device: identity, workspace: config.workspace, clientName: d.clientName ?? 'tendril-worker-guests' });
    } catch (e) {
      d.log(`guest links: ${(e as Error).message}; retrying`);
      setTimeout(() => void connect(), d.retryMs ?? 2000);
      return;
    }
    watched = new Set();
    answerer?.stop();
    const current = (answerer = new GuestAnswerer({
      owner, me: identity.deviceId,
      linkEntry: (link) => d.settings.guests.get(link),
      agent: (entry) => d.settings.agents.get(entry.agent),
      chooseProvider: d.chooseProvider,
      ...(d.tools ? { tools: d.tools } : {}),
      ...(d.leaseMs !== undefined ? { leaseMs: d.leaseMs } : {}),
      workspacePrompt: () => d.settings.systemPrompt() || undefined,
      now: d.now,
      log: d.log,
    }));
    owner.socket.onClose(() => {
      unobserve();
      current.stop();
      if (!stopped) setTimeout(() => void connect(), d.retryMs ?? 2000);
    });
    unobserve = d.settings.observe(() => {
      void watchNew(current);
      current.rescan();
    });
    await watchNew(current);
  };

  await connect();
  return {
    rescan() {
      if (!answerer || stopped) return;
      void watchNew(answerer);
      answerer.rescan();
    },
    stop() {
      stopped = true;
      unobserve();
      answerer?.stop();
      owner?.close();
    },
  };
}
