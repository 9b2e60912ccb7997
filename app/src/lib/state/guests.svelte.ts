/**
 * The owner's view of guest links in the app: one outbound connection to the relay as this
 * device (made when the Guests page first needs it), each open link watched for its visitors
 * and their usage, and the owner's actions: create a link, end a visitor, end a link.
 */
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import { GuestOwner, guestLinkText, newGuestLinkEntry, ownerLinkKeys, registerGuestLink, tokensSince, type NewGuestLink } from '@tendril/crdt-schema/guest';
import { toBase64Url } from '@tendril/crdt-schema/ids';
import type { GuestLinkSettings, SettingsDoc } from '@tendril/crdt-schema/schema';
import { syncUrl, type WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { BrowserWebSocket, pageRelay } from '../platform/browser.ts';

export interface VisitorRow {
  readonly key: Uint8Array;
  /** The first characters of the visitor's key, to tell visitors apart. */
  readonly name: string;
  readonly admittedAt: number;
  readonly endedAt: number;
  readonly messages: number;
  readonly tokensToday: number;
}

const DAY = 86_400_000;

export class GuestsState {
  visitors = $state.raw<Record<string, VisitorRow[]>>({});
  error = $state<string | null>(null);
  private owner: Promise<GuestOwner> | null = null;

  constructor(
    private readonly crypto: CryptoProvider,
    private readonly session: WorkspaceSession,
    private readonly settings: () => SettingsDoc | null,
  ) {}

  /** The link to share for an entry (it holds key material). */
  linkOf(entry: GuestLinkSettings): string {
    return guestLinkText(this.crypto, entry);
  }

  async create(input: Omit<NewGuestLink, 'relay' | 'now'>): Promise<GuestLinkSettings> {
    const doc = this.settings();
    if (!doc) throw new Error('the settings are not open');
    const entry = newGuestLinkEntry(this.crypto, { ...input, relay: pageRelay(), now: Date.now() });
    await registerGuestLink(this.crypto, await this.connect(), entry);
    doc.guests.put(entry);
    await this.refresh([entry]);
    return entry;
  }

  /** Watches each open link and reads its visitors' usage from their conversations. */
  async refresh(entries: readonly GuestLinkSettings[]): Promise<void> {
    const owner = await this.connect();
    const next: Record<string, VisitorRow[]> = { ...this.visitors };
    const now = Date.now();
    for (const e of entries.filter((x) => x.endedAt === 0)) {
      const state = await owner.watch(ownerLinkKeys(this.crypto, e));
      next[e.id] = state.visitors.map((v) => {
        const log = owner.feeds.get(`${e.id}/${toBase64Url(v.key)}`)?.log ?? [];
        return {
          key: v.key, name: toBase64Url(v.key).slice(0, 8), admittedAt: v.admittedAt, endedAt: v.endedAt,
          messages: log.filter((x) => x.fromVisitor && x.payload.t === 'msg').length, tokensToday: tokensSince(log, now - (now % DAY)),
        };
      });
    }
    this.visitors = next;
  }

  async endVisitor(entry: GuestLinkSettings, key: Uint8Array): Promise<void> {
    await (await this.connect()).end(ownerLinkKeys(this.crypto, entry), key);
    await this.refresh([entry]);
  }

  async endLink(entry: GuestLinkSettings): Promise<void> {
    await (await this.connect()).end(ownerLinkKeys(this.crypto, entry));
    this.settings()?.guests.end(entry.id, Date.now());
  }

  close(): void {
    void this.owner?.then((o) => o.close()).catch(() => undefined);
    this.owner = null;
  }

  private connect(): Promise<GuestOwner> {
    this.owner ??= GuestOwner.connect({
      url: syncUrl(pageRelay()), WebSocket: BrowserWebSocket, crypto: this.crypto, device: this.session.home.identity, workspace: this.session.home.config.workspace, clientName: 'tendril-app-guests',
    }).catch((e: unknown) => {
      this.owner = null;
      throw e;
    });
    return this.owner;
  }
}
