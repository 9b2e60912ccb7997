/**
 * The fan-out seam: what one relay process tells the others that serve the
 * same store. A relay keeps its subscribers in its own memory (DocHub); when
 * several relays share a store (Redis), an append, an ephemeral frame, a
 * revocation or a capability change accepted by one must reach the
 * subscribers and connections held by the others.
 *
 * Messages are notifications, not the data: an `appended` names (doc, seq)
 * and the receivers read the entries from the store, so a lost message is a
 * delay, never a gap (the receiver closes it on the next message for that
 * document or on its periodic head check). Ephemeral frames are carried
 * whole, because nothing stores them: a lost one is lost, as on a dropped
 * socket. Every message carries its sender's id so a bus that echoes a
 * process's own messages back (Redis pub/sub does) is harmless.
 */
import type { DeviceId, DocId, GuestLinkId, WorkspaceId } from '@tendril/crdt-schema/ids';
import type { PresenceFrame, SnapshotStoredFrame, StreamFrame } from '@tendril/crdt-schema/wire';

/** A frame forwarded as it is to the receivers' subscribers of its document. */
export type EphemeralFrame = PresenceFrame | StreamFrame | SnapshotStoredFrame;

export type FanoutMessage =
  /** The store holds the document's log through `seq`. */
  | { readonly kind: 'appended'; readonly doc: DocId; readonly seq: number }
  /** Presence, a stream frame or a snapshot notice, for the live subscribers of `frame.doc`. */
  | { readonly kind: 'frame'; readonly frame: EphemeralFrame }
  /** The store records `device` as revoked: close its connections. */
  | { readonly kind: 'revoked'; readonly workspace: WorkspaceId; readonly device: DeviceId }
  /** The document's capability keys changed in the store: end subscriptions they no longer admit. */
  | { readonly kind: 'caps'; readonly doc: DocId }
  /** The owner ended a guest link's visitor (`visitor`: its key, base64url) or the whole link (`visitor` ''): close them. */
  | { readonly kind: 'guestEnded'; readonly link: GuestLinkId; readonly visitor: string };

export interface FanoutListener {
  /** A message from another relay process (never this one's own). */
  message(msg: FanoutMessage): void;
  /**
   * Messages may have been lost (the bus reconnected): the relay re-reads from the store what
   * messages would have told it (heads of followed documents, revocations, capability keys).
   */
  resync(): void;
}

export interface Fanout {
  /**
   * Whether other relay processes write to the same store. When true the relay also checks its
   * followed documents' heads in the store periodically, so a lost `appended` is found on an idle
   * document too.
   */
  readonly shared: boolean;
  /** Sends to every other relay process; never throws (a message that cannot be sent is counted and dropped). */
  publish(msg: FanoutMessage): void;
  /** Starts delivering other processes' messages to `listener`; resolves once subscribed. */
  start(listener: FanoutListener): Promise<void>;
  /** Stops receiving and sending. */
  close(): Promise<void>;
}

/** The fan-out of a relay alone on its store: nobody else to tell. */
export function soloFanout(): Fanout {
  return {
    shared: false,
    publish: () => undefined,
    start: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
