/**
 * This tab as an agent runner: it answers the workspace's chat turns with the
 * providers in Settings when no worker takes them (TurnRunner: the workers'
 * claim / lease / settle protocol), so chat works with nothing but the app
 * open. Turns are claimed at once when no worker is online (none in the
 * roster from presence), after a grace window otherwise. One tab per device
 * runs it (the device lock lets only one tab open the workspace). Each turn
 * is answered as the chat's agent, or the one routing picks (turn-agent.ts in
 * the workers), with that agent's model, prompt and granted tools. `answering`
 * is the replies this tab is writing now, for the "answering in this tab"
 * mark. With the settings open it also answers the visitors of the
 * workspace's guest links (the workers' guest duty: one outbound connection,
 * the shared claim lease, so a message is answered once across tabs and
 * workers, and only the tools each link allows for guests).
 */
import type { MessageId } from '@tendril/crdt-schema/ids';
import type { Agent, PermissionsDoc, SettingsDoc } from '@tendril/crdt-schema/schema';
import { BrowserWebSocket } from '../platform/browser.ts';
import { liveReplySigner, type WorkspaceSession } from '@tendril/crdt-schema/workspace';
import {
  EmbeddingCache, spendChats, pageAgentTools, pagePlanTools, recallCacheStore, relayFetch, sessionChatAccess, startGuestAnswering, TurnRunner, type GuestAnswering, type PlanKit, type RecallCacheStore, type RunnerChat, type Toolbox,
} from '@tendril/workers/agent-core';

interface PageKit { readonly doc: PermissionsDoc; readonly next: (agent?: Pick<Agent, 'id' | 'tools'>) => Toolbox | undefined; readonly plans: PlanKit }
import { loadConnectPolicy, type ConnectPolicy } from '../agent/connect-policy.ts';
import { pageProviders } from '../agent/page-providers.ts';
import { deviceProxyFetch } from '../agent/proxy-fetch.ts';
import { pageEmbedder } from '../agent/page-embedder.ts';
import { workersMayBeOnline } from '../session/roster-view.ts';
import type { RosterState } from './roster.svelte.ts';

export interface PageRunnerOptions {
  readonly session: WorkspaceSession;
  /** Who is online: a worker there gets the grace window to take a turn first. */
  readonly roster: Pick<RosterState, 'online' | 'listeningForMs'>;
  readonly settings: () => SettingsDoc | null;
  /** The permissions document, once open: workspace search and web fetch are each offered when the agent holds a grant for it. */
  readonly permissions: () => PermissionsDoc | null;
  readonly origin: string;
  readonly loadPolicy?: (origin: string) => Promise<ConnectPolicy>;
}

export class PageRunner {
  answering = $state.raw<ReadonlySet<MessageId>>(new Set());
  private readonly o: PageRunnerOptions;
  private policy: ConnectPolicy | null = null;
  private readonly runner: TurnRunner;
  /** Chats handed over before the policy was read, with the stop function each gets once watched. */
  private readonly pending = new Map<RunnerChat, (() => void) | null>();
  private tools: PageKit | null = null;
  /** Web pages for the agent's web_fetch, fetched by the relay's proxy (served on this page's origin) and signed by this device. */
  private readonly webFetch: typeof fetch;
  private readonly proxyFetch: typeof fetch;
  /** Passage vectors for memory recall, kept sealed in this device's IndexedDB between visits. */
  private readonly recallCache = new EmbeddingCache();
  private readonly recallStore: RecallCacheStore;
  /** Guest answering, once the settings are open (stopped with the runner). */
  private guests: Promise<GuestAnswering> | null = null;

  constructor(o: PageRunnerOptions) {
    this.o = o;
    const proxyFetch = deviceProxyFetch(o.session.crypto, o.session.home, { observed: () => o.session.peer.relay.observed });
    this.proxyFetch = proxyFetch;
    const home = o.session.home;
    this.recallStore = recallCacheStore({ crypto: o.session.crypto, workspace: home.config.workspace, device: home.identity.deviceId, localKey: home.localKey, storeFor: (d) => home.storeFor(d) });
    void this.recallStore.load(this.recallCache).catch(() => 0);
    this.webFetch = relayFetch({ relay: o.origin, signedFetch: proxyFetch });
    this.runner = new TurnRunner({
      me: o.session.home.identity.deviceId,
      signer: liveReplySigner(o.session.crypto, o.session.home.identity),
      chooseProvider: (prefer) => {
        const settings = this.o.settings();
        return settings && this.policy ? pageProviders(settings, this.policy, this.o.origin, {}, proxyFetch, prefer) : null;
      },
      settings: () => this.o.settings(),
      workersKnown: () =>
        workersMayBeOnline(this.o.roster.online, { workersOnRecord: this.o.session.workspace().workers.list().length, listeningForMs: this.o.roster.listeningForMs() }),
      systemPrompt: () => this.o.settings()?.systemPrompt() || undefined,
      tools: (agent) => this.toolsFor(this.o.permissions(), agent),
      plans: () => this.planKit(this.o.permissions()),
      attachments: (chat, ref) => this.o.session.attachments.open(chat, ref),
      // Every chat's recorded usage counts against the limits, deleted chats included.
      spendChats: spendChats(o.session),
      // The chat's title after its first reply, in the index (a device that may write it; workers may too).
      titles: (chat) => {
        const session = this.o.session;
        if (!session.home.keys.get('index')?.writeCap.secretKey) return null;
        const chats = session.workspace().chats;
        return { wantsTitle: () => chats.wantsTitle(chat), setAutoTitle: (t) => chats.setAutoTitle(chat, t) };
      },
      onAnswering: (reply, on) => {
        const next = new Set(this.answering);
        if (on) next.add(reply);
        else next.delete(reply);
        this.answering = next;
      },
      log: (line) => console.debug(`[agent] ${line}`),
    });
    addEventListener('pagehide', this.onPageHide);
    void (o.loadPolicy ?? loadConnectPolicy)(o.origin)
      .catch(() => null)
      .then((policy) => {
        // Without the policy, only what the relay allows by default is certain: the page's own origin.
        this.policy = policy ?? { allows: (url) => url.startsWith(`${o.origin}/`), sources: ["'self'"] };
        for (const c of this.pending.keys()) this.pending.set(c, this.runner.watch(c));
        this.runner.scanAll();
        // Guest links wait for the policy too: only then does this tab know which models it reaches.
        void this.guests?.then((g) => g.rescan());
      });
  }

  private toolsFor(doc: PermissionsDoc | null, agent: Agent | undefined): Toolbox | undefined {
    return doc ? this.kitFor(doc).next(agent) : undefined;
  }

  /** Approved plans run in this tab only when it can read the permissions (the steps' grants and the activity log). */
  private planKit(doc: PermissionsDoc | null): PlanKit | null {
    return doc ? this.kitFor(doc).plans : null;
  }

  private kitFor(doc: PermissionsDoc): PageKit {
    if (this.tools?.doc !== doc) {
      const device = this.o.session.home.identity.deviceId;
      const session = this.o.session;
      // Agents' memory documents are in the chats scope; recall embeds with the settings' model, through the relay's proxy where needed.
      const memory = session.home.keys.has('chat')
        ? {
            cache: this.recallCache,
            persist: () => this.recallStore.save(this.recallCache),
            open: async (plugin: string) => (await session.openMemory(plugin)).memory,
            embedder: () => {
              const settings = this.o.settings();
              return settings && this.policy ? pageEmbedder(settings, this.policy, this.o.origin, this.proxyFetch) : undefined;
            },
          }
        : undefined;
      const options = { permissions: doc, device, chats: sessionChatAccess(session), fetch: this.webFetch, ...(memory ? { memory } : {}) };
      this.tools = { doc, next: pageAgentTools(options), plans: pagePlanTools(options) };
    }
    return this.tools;
  }

  /** Answers the chat's turns from now on; the returned function stops (the chat was deleted). */
  watch(c: RunnerChat): () => void {
    if (this.policy) return this.runner.watch(c);
    this.pending.set(c, null);
    return () => {
      this.pending.get(c)?.();
      this.pending.delete(c);
    };
  }

  /** Looks at every chat again (the providers in Settings changed). */
  rescan(): void {
    this.runner.scanAll();
  }

  /** Answers the visitors of the settings' guest links from now on (once per runner). */
  answerGuests(settings: SettingsDoc): void {
    if (this.guests) return;
    const session = this.o.session;
    this.guests = startGuestAnswering({
      session, crypto: session.crypto, settings, WebSocket: BrowserWebSocket, relay: this.o.origin, clientName: 'tendril-app-runner',
      // A model this tab cannot reach (the page's connect policy) leaves the guest to a worker.
      chooseProvider: (prefer) => {
        const choice = this.policy ? pageProviders(settings, this.policy, this.o.origin, {}, this.proxyFetch, prefer) : null;
        return choice && 'provider' in choice ? choice : null;
      },
      tools: (agent) => {
        const doc = this.o.permissions();
        return doc ? this.kitFor(doc).next(agent) : undefined;
      },
      now: Date.now,
      log: (line) => console.debug(`[guests] ${line}`),
    });
  }

  stop(): Promise<void> {
    removeEventListener('pagehide', this.onPageHide);
    void this.guests?.then((g) => g.stop());
    return this.runner.stop();
  }

  /** The tab is closing: hand the turns it answers to the next device at once instead of after the lease. */
  private readonly onPageHide = (): void => this.runner.giveBack();
}
