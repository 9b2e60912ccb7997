/**
 * Everything that exists while the workspace is open: the session and the
 * reactive views over it. It keeps every chat the device may read open and
 * syncing in the background, so they are all on the device when it goes
 * offline, records this device's "last seen" in the member list, keeps the
 * roster of gateways and workers online from presence (roster.svelte.ts),
 * and (on a device that may write chats and read the settings) answers chat
 * turns no worker takes (runner.svelte.ts).
 */
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import type { ChatId, DeviceId } from '@tendril/crdt-schema/ids';
import { chatDoc } from '@tendril/crdt-schema/schema';
import { ConnectionState } from '@tendril/crdt-schema/sync';
import { liveReplySigner, type DeviceSigner, type WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { BackupState } from './backup.svelte.ts';
import { SessionKeys, withSessionKeys } from '../session/session-keys.ts';
import { DevicePrefsState } from './device-prefs.svelte.ts';
import { MessageSearch } from './message-search.svelte.ts';
import { PermissionsState } from './permissions.svelte.ts';
import { extendSessionGrants } from '@tendril/gateway/viewer';
import { PresenceHub } from './presence.svelte.ts';
import { PageRunner } from './runner.svelte.ts';
import { deviceProxyFetch } from '../agent/proxy-fetch.ts';
import { RosterState } from './roster.svelte.ts';
import type { GatewayStatus } from '../session/gateway-status.ts';
import { SettingsState } from './settings.svelte.ts';
import { SyncStatusState } from './status.svelte.ts';
import { WorkspaceIndex } from './workspace.svelte.ts';

const LAST_SEEN_EVERY_MS = 5 * 60_000;

export class LiveWorkspace {
  readonly crypto: CryptoProvider;
  readonly session: WorkspaceSession;
  readonly index: WorkspaceIndex;
  readonly status: SyncStatusState;
  readonly presence: PresenceHub;
  /** Gateways and workers online (presence on the index). */
  readonly roster: RosterState;
  settings = $state.raw<SettingsState | null>(null);
  permissions = $state.raw<PermissionsState | null>(null);
  /** This tab's agent runner; null on a device that cannot answer (a viewer, no settings key). */
  readonly runner: PageRunner | null;
  /** Signs the live reply frames this tab streams and checks others'. */
  readonly liveSigner: DeviceSigner;
  /** Fetch for provider calls through the relay's LLM proxy, signed by this device. */
  readonly proxyFetch: typeof fetch;
  /** Search in message text across chats, indexed on this device (message-search.svelte.ts). */
  readonly messages: MessageSearch;
  /** Theme and view settings of this device alone, sealed on it and never synced (device-prefs.ts). */
  readonly prefs: DevicePrefsState;
  /** Backups to the relay: the key on this device, restore points, the automatic schedule (backup.svelte.ts). */
  readonly backup: BackupState;
  /** Provider keys for this device and this tab only: in memory, never in the settings (session-keys.ts). */
  readonly sessionKeys = new SessionKeys();
  /** Which providers have a session-only key (for the settings list). */
  sessionKeyed = $state.raw<ReadonlySet<string>>(new Set());
  private readonly opened = new Set<ChatId>();
  private readonly unwatch = new Map<ChatId, () => void>();
  private stopSettingsWatch: (() => void) | null = null;
  private lastSeenAt = 0;
  private readonly stopIndex: () => void;
  private destroyed = false;

  constructor(crypto: CryptoProvider, session: WorkspaceSession) {
    this.crypto = crypto;
    this.session = session;
    this.index = new WorkspaceIndex(session);
    this.liveSigner = liveReplySigner(crypto, session.home.identity);
    this.proxyFetch = deviceProxyFetch(crypto, session.home, { observed: () => session.peer.relay.observed });
    this.status = new SyncStatusState(session);
    this.presence = new PresenceHub(session);
    this.roster = new RosterState(session);
    this.messages = new MessageSearch(session, () => this.index.chats);
    this.prefs = new DevicePrefsState(session);
    this.backup = new BackupState(crypto, session, () => this.settings);
    const answers = session.home.keys.has('settings') && this.canWrite;
    const roster = this.roster;
    this.runner = answers
      ? new PageRunner({ session, roster, settings: () => (this.settings ? withSessionKeys(this.settings.doc, this.sessionKeys) : null), permissions: () => this.permissions?.doc ?? null, origin: location.origin })
      : null;
    this.sessionKeys.onChange(() => {
      this.sessionKeyed = new Set(this.sessionKeys.providers());
      this.runner?.rescan();
    });
    this.stopIndex = this.index.onChange(() => {
      void this.openChats();
      void this.extendSessionGrants();
    });
    session.peer.relay.on('state', this.onConnection);
    void this.openSettings();
    void this.openPermissions();
    void this.openChats();
  }

  get me() {
    return this.session.home.identity.deviceId;
  }
  get isAdmin(): boolean {
    return this.session.home.config.role === 'admin';
  }
  /** Whether this device may write chats (viewers may not). */
  get canWrite(): boolean {
    return this.session.home.keys.get('chat')?.writeCap.secretKey != null;
  }

  private async openSettings(): Promise<void> {
    if (!this.session.home.keys.has('settings')) return;
    const { sync, settings } = await this.session.openSettings();
    if (this.destroyed) return;
    this.settings = new SettingsState(sync, settings);
    const runner = this.runner;
    if (runner) {
      this.stopSettingsWatch = settings.observe(() => runner.rescan());
      runner.answerGuests(settings);
    }
  }

  private async openPermissions(): Promise<void> {
    if (!this.session.home.keys.has('permissions')) return;
    const { sync, permissions } = await this.session.openPermissions();
    if (!this.destroyed) this.permissions = new PermissionsState(sync, permissions);
    void this.extendSessionGrants();
  }

  private extending = false;
  /** Gives workers that joined later the terminal sessions granted to the agent (when this device owns them or is an admin). */
  private async extendSessionGrants(): Promise<void> {
    const permissions = this.permissions;
    if (this.extending || !permissions || this.destroyed) return;
    this.extending = true;
    try {
      await extendSessionGrants(this.crypto, this.session, permissions.doc);
    } catch {
      // Retried on the next index change; the permissions view shows grant errors when a user acts.
    } finally {
      this.extending = false;
    }
  }

  /** Whether this device may write the settings document (providers, agents, routing). */
  /** A gateway's connection status as this app sees it (connected, reconnecting, offline since). */
  gatewayStatus(device: DeviceId): GatewayStatus {
    return this.roster.gatewayStatus(device, this.status.connection === ConnectionState.Open);
  }

  get canWriteSettings(): boolean {
    return this.session.home.keys.get('settings')?.writeCap.secretKey != null;
  }

  /** Whether this device may write the permissions document (decide and revoke grants). */
  get canWritePermissions(): boolean {
    return this.session.home.keys.get('permissions')?.writeCap.secretKey != null;
  }

  /** Opens (so syncs and keeps on the device) every chat not opened yet. */
  private async openChats(): Promise<void> {
    if (!this.session.home.keys.has('chat')) return;
    const listed = new Set(this.index.chats.map((c) => c.id));
    // A deleted chat stops the work this tab does on it at once.
    for (const [id, stop] of this.unwatch) {
      if (listed.has(id)) continue;
      stop();
      this.unwatch.delete(id);
    }
    for (const c of this.index.chats) {
      if (this.destroyed || this.opened.has(c.id)) continue;
      this.opened.add(c.id);
      try {
        const { sync, chat } = await this.session.openChat(c.id);
        if (this.runner && !this.destroyed) this.unwatch.set(c.id, this.runner.watch({ id: c.id, sync, chat }));
      } catch {
        this.opened.delete(c.id);
      }
    }
  }

  /** The chat's document, opened if needed. */
  async chat(id: ChatId) {
    const { sync } = await this.session.openChat(id);
    this.opened.add(id);
    return { sync, chat: chatDoc(sync.ydoc, { origin: 'local' }) };
  }

  private readonly onConnection = (s: ConnectionState): void => {
    if (s !== ConnectionState.Open) return;
    const now = Date.now();
    const ws = this.session.workspace();
    if (now - this.lastSeenAt < LAST_SEEN_EVERY_MS || !ws.members.isActive(this.me) || !this.session.home.keys.get('index')?.writeCap.secretKey) return;
    this.lastSeenAt = now;
    ws.members.seen(this.me, now);
  };

  async close(): Promise<void> {
    this.destroyed = true;
    this.stopIndex();
    this.stopSettingsWatch?.();
    this.backup.destroy();
    this.sessionKeys.clear();
    await this.runner?.stop();
    await this.messages.close();
    this.session.peer.relay.off('state', this.onConnection);
    this.presence.destroy();
    this.roster.destroy();
    this.status.destroy();
    this.index.destroy();
    this.settings?.destroy();
    this.permissions?.destroy();
    await this.session.close();
  }
}
