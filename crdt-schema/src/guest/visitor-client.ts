/**
 * The visitor's side of a guest link, for the guest page and `tendril guest
 * send`: admission (the code on a first visit; the kept visitor key after),
 * the conversation, sending a message and waiting for its answer. What the
 * visitor keeps between visits is `VisitorState` (its signing seed and
 * conversation secret): with it the agent's memory of the conversation comes
 * back, since the conversation is the memory. The relay says whether a
 * runner that answers the link is connected (`agentHere`): while none is, the
 * page says the agent is away, and a message sent waits for one.
 */
import { TendrilError } from '../errors.ts';
import { fromBase64Url, newMessageId, toBase64Url } from '../ids.ts';
import { parseGuestLink, type GuestLink } from '../crypto/guest-link.ts';
import { resumeGuestConversation, startGuestConversation } from '../crypto/guest-seal.ts';
import { deviceIdentityFromSeeds, type DeviceIdentity } from '../crypto/keys.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { secret } from '../crypto/secret.ts';
import type { WebSocketConstructor } from '../sync/relay-client.ts';
import { syncUrl } from '../workspace/urls.ts';
import { FrameType, guestHelloBytes, PROTOCOL_VERSION } from '../wire/index.ts';
import { ConversationFeed } from './conversation-feed.ts';
import { errorOf, FrameSocket } from './frame-socket.ts';
import { answerTo, guestTurns, pendingMessages, type GuestTurn } from './transcript.ts';

/** What a visitor's browser keeps for a link (store it as is; it holds secrets). */
export interface VisitorState {
  readonly v: 1;
  readonly link: string;
  readonly signSeed: string;
  readonly conversationSecret: string;
}

export interface VisitOptions {
  readonly crypto: CryptoProvider;
  readonly WebSocket: WebSocketConstructor;
  /** The access code: needed on a first visit only. */
  readonly code?: string;
  /** Kept from an earlier visit; absent on a first visit (a new one is made and handed back). */
  readonly state?: VisitorState;
  readonly clientName?: string;
}

export class GuestVisit {
  private readonly presenceListeners = new Set<(here: boolean) => void>();

  private constructor(
    readonly link: GuestLink,
    readonly state: VisitorState,
    private readonly socket: FrameSocket,
    private readonly feed: ConversationFeed,
    private here: boolean,
  ) {
    socket.onFrame((f) => {
      if (f.type !== FrameType.GuestPresence || f.link !== link.linkId) return;
      this.here = f.answering;
      for (const l of this.presenceListeners) l(f.answering);
    });
  }

  /** Whether a runner that answers this link (a worker, the owner's open app) is connected, as the relay last said. */
  get agentHere(): boolean {
    return this.here;
  }

  /** Told each time the relay says a runner came or went; returns the unsubscribe function. */
  onPresence(listener: (here: boolean) => void): () => void {
    this.presenceListeners.add(listener);
    return () => this.presenceListeners.delete(listener);
  }

  /** Opens the link: admission, then the conversation caught up. Refusals throw the relay's code (E_GUEST_CODE with retryAfterMs...). */
  static async open(linkText: string, o: VisitOptions): Promise<GuestVisit> {
    const link = parseGuestLink(linkText);
    const known = o.state !== undefined && o.state.link === link.linkId ? o.state : undefined;
    const signSeed = known ? fromBase64Url(known.signSeed) : o.crypto.randomBytes(32);
    const me: DeviceIdentity = deviceIdentityFromSeeds(o.crypto, signSeed, o.crypto.randomBytes(32));
    let keyBox: Uint8Array = new Uint8Array(0);
    let conversation;
    let state: VisitorState;
    if (known) {
      conversation = resumeGuestConversation(o.crypto, link.linkId, link.secret, { visitorKey: me.signPublicKey, conversationSecret: secret(fromBase64Url(known.conversationSecret)) });
      state = known;
    } else {
      const started = startGuestConversation(o.crypto, { linkId: link.linkId, ownerBoxKey: link.ownerBoxKey, linkSecret: link.secret, visitorKey: me.signPublicKey });
      ({ keyBox, conversation } = started);
      state = { v: 1, link: link.linkId, signSeed: toBase64Url(signSeed), conversationSecret: toBase64Url(started.visitor.conversationSecret.expose()) };
    }
    if (!known && !o.code) throw new TendrilError('E_GUEST_CODE', 'a first visit needs the access code');
    const socket = await FrameSocket.open(syncUrl(link.relayHttpUrl), o.WebSocket);
    // The relay sends presence right after Welcome: listen before the hello, so it is not missed.
    let here = false;
    const offPresence = socket.onFrame((f) => {
      if (f.type === FrameType.GuestPresence && f.link === link.linkId) here = f.answering;
    });
    try {
      socket.send({
        type: FrameType.GuestHello, version: PROTOCOL_VERSION, link: link.linkId, visitor: me.deviceId,
        proof: o.crypto.sign(guestHelloBytes(socket.challenge.nonce, link.linkId, me.signPublicKey), me.signSecretKey.expose()),
        code: known ? '' : (o.code ?? ''), keyBox, client: o.clientName ?? 'tendril-guest/0.1',
      });
      const answer = await socket.next((f) => f.type === FrameType.Welcome || f.type === FrameType.Error);
      if (answer.type === FrameType.Error) throw errorOf(answer);
      const feed = new ConversationFeed(socket, o.crypto, conversation, me);
      await feed.follow((m) => o.crypto.sign(m, me.signSecretKey.expose()));
      offPresence();
      return new GuestVisit(link, state, socket, feed, here);
    } catch (e) {
      socket.close();
      throw e;
    }
  }

  /** Live text of replies while the agent writes them. */
  onLive(listener: (live: { for: string; text: string }) => void): () => void {
    return this.feed.onLive(listener);
  }

  /** Told on every new entry of the conversation (an answer to a message sent on an earlier visit, too). */
  onChange(listener: () => void): () => void {
    return this.feed.onEntry(() => listener());
  }

  /** Whether a message of the visitor still waits for its answer. */
  waiting(): boolean {
    return pendingMessages(this.feed.log).length > 0;
  }

  /** The conversation so far, both sides. */
  turns(): GuestTurn[] {
    return guestTurns(this.feed.log);
  }

  /** Sends a message; resolves with its id once the relay stored it. */
  async send(text: string, at = Date.now()): Promise<string> {
    const id = newMessageId();
    await this.feed.append({ t: 'msg', id, text, at });
    return id;
  }

  /** Resolves with the answer to message `id` (a reply, or the owner side's refusal) once it arrives. */
  answer(id: string, timeoutMs = 120_000): Promise<{ kind: 'reply' | 'refusal'; text: string }> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const a = answerTo(this.feed.log, id);
        if (!a) return false;
        clearTimeout(timer);
        off();
        resolve({ kind: a.t, text: a.text });
        return true;
      };
      const timer = setTimeout(() => {
        off();
        reject(new TendrilError('E_TIMEOUT', `no answer within ${Math.round(timeoutMs / 1000)} s: the agent is away (no runner of the owner is online); the message waits`));
      }, timeoutMs);
      const off = this.feed.onEntry(() => void check());
      this.socket.onClose((e) => {
        clearTimeout(timer);
        off();
        reject(e);
      });
      check();
    });
  }

  close(): void {
    this.socket.close();
  }
}
