/**
 * The owner's side of guest links, for a worker or the browser runner: one
 * outbound connection as a member device, a GuestWatch per link, and every
 * visitor's conversation followed with the link's capKey. Ended visitors are
 * not followed; a visitor admitted later is picked up from the watch's
 * update. What to do with a conversation is the caller's (`onChange`).
 */
import { TendrilError } from '../errors.ts';
import { toBase64Url, type GuestLinkId, type WorkspaceId } from '../ids.ts';
import { openGuestKeyBox } from '../crypto/guest-seal.ts';
import type { DeviceIdentity } from '../crypto/keys.ts';
import type { CryptoProvider, KeyPair } from '../crypto/provider.ts';
import type { Secret } from '../crypto/secret.ts';
import type { WebSocketConstructor } from '../sync/relay-client.ts';
import { FrameType, guestEndBytes, guestLinkBytes, guestWatchBytes, helloProofBytes, PROTOCOL_VERSION, type GuestLinkFrame, type GuestStateFrame, type GuestVisitor } from '../wire/index.ts';
import { ConversationFeed } from './conversation-feed.ts';
import { errorOf, FrameSocket } from './frame-socket.ts';

/** What the owner's devices hold of one link. */
export interface OwnerLinkKeys {
  readonly link: GuestLinkId;
  /** The link's capKey pair (Ed25519, libsodium layout secret). */
  readonly cap: KeyPair;
  /** The link's X25519 box pair: opens visitors' key boxes. */
  readonly box: KeyPair;
  readonly secret: Secret<Uint8Array>;
}

export interface GuestOwnerOptions {
  readonly url: string;
  readonly WebSocket: WebSocketConstructor;
  readonly crypto: CryptoProvider;
  readonly device: DeviceIdentity;
  readonly workspace: WorkspaceId;
  readonly clientName?: string;
}

export class GuestOwner {
  /** Followed conversations by link and visitor key (base64url). */
  readonly feeds = new Map<string, ConversationFeed>();
  readonly states = new Map<GuestLinkId, GuestStateFrame>();
  private readonly changeListeners = new Set<(feed: ConversationFeed, link: OwnerLinkKeys) => void>();
  private readonly links = new Map<GuestLinkId, OwnerLinkKeys>();

  private constructor(private readonly o: GuestOwnerOptions, readonly socket: FrameSocket) {
    socket.onFrame((f) => {
      if (f.type === FrameType.GuestState && f.ref === 0) void this.onState(f).catch(() => undefined);
    });
  }

  /** Connects and completes the hello as the member device. */
  static async connect(o: GuestOwnerOptions): Promise<GuestOwner> {
    const socket = await FrameSocket.open(o.url, o.WebSocket);
    socket.send({
      type: FrameType.Hello, version: PROTOCOL_VERSION, workspace: o.workspace, device: o.device.deviceId,
      proof: o.crypto.sign(helloProofBytes(socket.challenge.nonce, o.workspace, o.device.signPublicKey), o.device.signSecretKey.expose()),
      client: o.clientName ?? 'tendril-guest-owner/0.1', accessCode: '',
    });
    const answer = await socket.next((f) => f.type === FrameType.Welcome || f.type === FrameType.Error);
    if (answer.type === FrameType.Error) {
      socket.close();
      throw errorOf(answer);
    }
    return new GuestOwner(o, socket);
  }

  /** Registers a link (or replaces its terms) at the relay. */
  async register(keys: OwnerLinkKeys, terms: Omit<GuestLinkFrame, 'type' | 'ref' | 'link' | 'capKey' | 'proof'>): Promise<GuestStateFrame> {
    const body = { ref: this.socket.nextRef(), link: keys.link, capKey: keys.cap.publicKey, ...terms };
    const proof = this.o.crypto.sign(guestLinkBytes(this.socket.challenge.nonce, body), keys.cap.secretKey);
    return this.request(body.ref, { type: FrameType.GuestLink, ...body, proof });
  }

  /** Ends one visitor (`visitorKey`) or the whole link. */
  async end(keys: OwnerLinkKeys, visitorKey: Uint8Array = new Uint8Array(0)): Promise<GuestStateFrame> {
    const ref = this.socket.nextRef();
    const proof = this.o.crypto.sign(guestEndBytes(this.socket.challenge.nonce, keys.link, visitorKey), keys.cap.secretKey);
    return this.request(ref, { type: FrameType.GuestEnd, ref, link: keys.link, visitor: visitorKey, proof });
  }

  /**
   * Follows the link's visitors: each conversation is caught up, then `onChange` runs on every new entry.
   * `answering`: this connection answers them (the relay tells visitors the agent is there while it is connected).
   */
  async watch(keys: OwnerLinkKeys, answering = false): Promise<GuestStateFrame> {
    this.links.set(keys.link, keys);
    const ref = this.socket.nextRef();
    const proof = this.o.crypto.sign(guestWatchBytes(this.socket.challenge.nonce, keys.link), keys.cap.secretKey);
    const state = await this.request(ref, { type: FrameType.GuestWatch, ref, link: keys.link, proof, answering });
    await this.onState(state);
    return state;
  }

  onChange(listener: (feed: ConversationFeed, link: OwnerLinkKeys) => void): void {
    this.changeListeners.add(listener);
  }

  close(): void {
    this.socket.close();
  }

  private async request(ref: number, frame: Parameters<FrameSocket['send']>[0]): Promise<GuestStateFrame> {
    this.socket.send(frame);
    const answer = await this.socket.next((f) => (f.type === FrameType.GuestState || f.type === FrameType.Error) && 'ref' in f && f.ref === ref);
    if (answer.type === FrameType.Error) throw errorOf(answer);
    return answer as GuestStateFrame;
  }

  private async onState(state: GuestStateFrame): Promise<void> {
    this.states.set(state.link, state);
    const keys = this.links.get(state.link);
    if (!keys || state.endedAt !== 0) return;
    for (const v of state.visitors) await this.follow(keys, v);
  }

  private async follow(keys: OwnerLinkKeys, v: GuestVisitor): Promise<void> {
    const id = `${keys.link}/${toBase64Url(v.key)}`;
    if (v.endedAt !== 0 || this.feeds.has(id)) return;
    let conversation;
    try {
      conversation = openGuestKeyBox(this.o.crypto, { linkId: keys.link, ownerBox: keys.box, linkSecret: keys.secret, visitorKey: v.key, keyBox: v.keyBox });
    } catch (e) {
      if (e instanceof TendrilError) return; // a key box that does not open (forged): nothing to follow
      throw e;
    }
    const feed = new ConversationFeed(this.socket, this.o.crypto, conversation, this.o.device);
    this.feeds.set(id, feed);
    await feed.follow((m) => this.o.crypto.sign(m, keys.cap.secretKey));
    feed.onEntry(() => this.changed(feed, keys));
    this.changed(feed, keys);
  }

  private changed(feed: ConversationFeed, keys: OwnerLinkKeys): void {
    for (const l of this.changeListeners) l(feed, keys);
  }
}
