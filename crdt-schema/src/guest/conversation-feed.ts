/**
 * One guest conversation followed over a FrameSocket, by the visitor or by an
 * owner's runner: subscribes to its document, opens every entry (what does not
 * open under the conversation key is dropped, and counted), keeps the log in
 * seq order, and appends this side's payloads, each acknowledged by the relay.
 */
import { parseEnvelope } from '../envelope/header.ts';
import { isTendrilError } from '../errors.ts';
import { deviceIdFromPublicKey, type DeviceId } from '../ids.ts';
import type { DeviceIdentity } from '../crypto/keys.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { guestConversationDoc, openGuestLive, openGuestMessage, sealGuestLive, sealGuestMessage, type GuestConversation } from '../crypto/guest-seal.ts';
import { CapMode, FrameType, subscribeProofBytes, type Frame } from '../wire/index.ts';
import { errorOf, type FrameSocket } from './frame-socket.ts';
import { decodeGuestPayload, encodeGuestPayload, type GuestPayload } from './messages.ts';
import type { GuestLogEntry } from './transcript.ts';

export class ConversationFeed {
  readonly log: GuestLogEntry[] = [];
  /** Entries that did not open (forged, another conversation's, or not a guest payload). */
  dropped = 0;
  private ownCounter = 0;
  private readonly listeners = new Set<(e: GuestLogEntry) => void>();
  private readonly liveListeners = new Set<(live: { for: string; text: string }) => void>();
  private readonly visitor: DeviceId;
  readonly doc;

  constructor(
    private readonly socket: FrameSocket,
    private readonly crypto: CryptoProvider,
    readonly conversation: GuestConversation,
    private readonly me: DeviceIdentity,
  ) {
    this.doc = guestConversationDoc(conversation);
    this.visitor = deviceIdFromPublicKey(conversation.visitorKey);
  }

  /** Subscribes (the proof signed by `prove`: the visitor's key, or the link's capKey) and resolves once caught up. */
  async follow(prove: (message: Uint8Array) => Uint8Array): Promise<void> {
    this.socket.onFrame((f) => this.onFrame(f));
    // Both waits are set before sending: the relay's Subscribed and CaughtUp can arrive in one read.
    const answered = this.socket.next((f) => (f.type === FrameType.Subscribed || f.type === FrameType.Error) && 'doc' in f && f.doc === this.doc);
    const caughtUp = this.socket.next((f) => f.type === FrameType.CaughtUp && f.doc === this.doc, 60_000);
    caughtUp.catch(() => undefined);
    this.socket.send({ type: FrameType.Subscribe, doc: this.doc, cursor: 0, mode: CapMode.Write, proof: prove(subscribeProofBytes(this.socket.challenge.nonce, this.doc, CapMode.Write)) });
    const answer = await answered;
    if (answer.type === FrameType.Error) throw errorOf(answer);
    await caughtUp;
  }

  onEntry(listener: (e: GuestLogEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Live text of a reply being written (Stream frames), until the reply itself arrives. */
  onLive(listener: (live: { for: string; text: string }) => void): () => void {
    this.liveListeners.add(listener);
    return () => this.liveListeners.delete(listener);
  }

  /** Sends the text of reply-in-progress to message `id` to the conversation's other subscribers (not stored). */
  sendLive(id: string, text: string): void {
    this.socket.send({ type: FrameType.Stream, doc: this.doc, from: this.me.deviceId, to: '', payload: sealGuestLive(this.crypto, this.conversation, { for: id, text }) });
  }

  /** Appends one payload as this side; resolves with its seq once the relay committed it. */
  async append(payload: GuestPayload): Promise<number> {
    const ref = this.socket.nextRef();
    const envelope = sealGuestMessage(this.crypto, this.conversation, this.me, ++this.ownCounter, encodeGuestPayload(payload));
    this.socket.send({ type: FrameType.Envelope, doc: this.doc, ref, envelope });
    const answer = await this.socket.next((f) => (f.type === FrameType.Ack || f.type === FrameType.Error) && 'ref' in f && f.ref === ref && (f.type !== FrameType.Ack || f.doc === this.doc));
    if (answer.type === FrameType.Error) {
      this.ownCounter--;
      throw errorOf(answer);
    }
    const seq = (answer as Extract<Frame, { type: typeof FrameType.Ack }>).seq;
    // The relay sends an entry to the other subscribers, not back to its writer: log it here.
    this.add({ seq, author: this.me.deviceId, fromVisitor: this.me.deviceId === this.visitor, payload });
    return seq;
  }

  private add(entry: GuestLogEntry): void {
    if (this.log.some((x) => x.seq === entry.seq)) return;
    let i = this.log.length;
    while (i > 0 && this.log[i - 1]!.seq > entry.seq) i--;
    this.log.splice(i, 0, entry);
    for (const l of this.listeners) l(entry);
  }

  private onFrame(f: Frame): void {
    if (f.type === FrameType.Stream && f.doc === this.doc) {
      const live = openGuestLive(this.crypto, this.conversation, f.payload);
      if (live) for (const l of this.liveListeners) l(live);
      return;
    }
    if (f.type !== FrameType.Entry || f.doc !== this.doc) return;
    let entry: GuestLogEntry;
    try {
      const author = parseEnvelope(f.envelope).header.author;
      const fromVisitor = author === this.visitor;
      const opened = openGuestMessage(this.crypto, this.conversation, f.envelope, fromVisitor ? 'visitor' : 'owner');
      if (author === this.me.deviceId) this.ownCounter = Math.max(this.ownCounter, opened.counter);
      entry = { seq: f.seq, author, fromVisitor, payload: decodeGuestPayload(opened.plaintext) };
    } catch (e) {
      if (!isTendrilError(e)) throw e;
      this.dropped++;
      return;
    }
    this.add(entry);
  }
}
