/**
 * Relay frames as data: a discriminated union on `type`, one variant per
 * frame, with `isX` guards. The byte layout of each frame lives in codec.ts
 * and docs/PROTOCOL.md. The relay reads these frames and the plaintext
 * envelope header only; payloads are ciphertext. The exact bytes every proof
 * and signature covers are built by proofs.ts (helloProofBytes,
 * subscribeProofBytes, revokeBytes, setCapsBytes, the guest*Bytes): use those, never rebuild them.
 */
import type { DeviceId, DocId, GuestLinkId, WorkspaceId } from '../ids.ts';

/** Version spoken in hello/challenge. A peer refuses a relay with no common version. */
export const PROTOCOL_VERSION = 1;

/** Frame type tags: the first varUint of every frame. Never reuse a number. */
export const FrameType = {
  Challenge: 1,
  Hello: 2,
  Welcome: 3,
  Subscribe: 4,
  Subscribed: 5,
  Envelope: 6,
  Ack: 7,
  Entry: 8,
  CaughtUp: 9,
  SnapshotPut: 10,
  Snapshot: 11,
  Presence: 12,
  Error: 13,
  Unsubscribe: 14,
  Revoke: 15,
  SetCaps: 16,
  BlobPut: 17,
  BlobTake: 18,
  Blob: 19,
  Stream: 20,
  AddAdmin: 21,
  Enrol: 22,
  SnapshotStored: 23,
  GuestLink: 24,
  GuestHello: 25,
  GuestWatch: 26,
  GuestEnd: 27,
  GuestState: 28,
  BlobWrite: 29,
  BlobWritten: 30,
  BlobRead: 31,
  BlobData: 32,
  BlobHas: 33,
  BlobHave: 34,
  BlobList: 35,
  BlobListing: 36,
  BlobDelete: 37,
  BlobDeleted: 38,
  GuestPresence: 39,
  Locate: 40,
  Located: 41,
} as const;
export type FrameTypeName = keyof typeof FrameType;

/** How a subscriber proves its capability for one document. */
export const CapMode = {
  /** May receive entries, snapshots and presence. */
  Read: 0,
  /** May also append entries and upload snapshots. */
  Write: 1,
} as const;
export type CapMode = (typeof CapMode)[keyof typeof CapMode];

/** R->C, first frame on every connection: a fresh nonce the client must sign. */
export interface ChallengeFrame {
  type: typeof FrameType.Challenge;
  /** Highest protocol version the relay speaks. */
  version: number;
  /** 32 random bytes; every proof on this connection signs over them. */
  nonce: Uint8Array;
}

/**
 * C->R: who the device is. `proof` is the device's Ed25519 signature over
 * `"tendril/hello/v1" || nonce || workspace || deviceKey`.
 * `register` creates the workspace on the relay with its admin keys (first device only).
 */
export interface HelloFrame {
  type: typeof FrameType.Hello;
  version: number;
  workspace: WorkspaceId;
  device: DeviceId;
  proof: Uint8Array;
  /** Free text such as "tendril-cli/0.1"; for the relay's logs and metrics only. */
  client: string;
  /** Operator access code when the relay is gated for new workspaces; "" when none. */
  accessCode: string;
  /** Present only when this hello creates the workspace: the admin device keys allowed to sign revocations. */
  register?: { admins: Uint8Array[] };
}

/** R->C: handshake accepted. */
export interface WelcomeFrame {
  type: typeof FrameType.Welcome;
  version: number;
  /** Relay wall clock in ms, for expiry checks and skew display. */
  serverTime: number;
  /** Limits in force, so clients size batches: max frame bytes. */
  maxFrameBytes: number;
  /**
   * The client's network address as the relay sees it (the socket's peer address, or "unknown"):
   * told to the authenticated device itself, so it can show what the relay observes about it.
   */
  address: string;
}

/**
 * C->R: follow a document from `cursor` (the last server seq this peer holds; 0 = from the start).
 * `proof` signs `"tendril/sub/v1" || nonce || doc || mode` with the doc's read or write capability key.
 * `create` registers a new document with its capability public keys (proof must verify under writeKey).
 */
export interface SubscribeFrame {
  type: typeof FrameType.Subscribe;
  doc: DocId;
  cursor: number;
  mode: CapMode;
  proof: Uint8Array;
  create?: { writeKey: Uint8Array; readKey: Uint8Array };
}

/** R->C: subscription accepted; `head` is the highest seq, `snapshotSeq` the seq the latest snapshot covers (0 = none). */
export interface SubscribedFrame {
  type: typeof FrameType.Subscribed;
  doc: DocId;
  mode: CapMode;
  head: number;
  snapshotSeq: number;
}

/** C->R: append one sealed envelope; `ref` is the sender's handle for the ack. */
export interface EnvelopeFrame {
  type: typeof FrameType.Envelope;
  doc: DocId;
  ref: number;
  envelope: Uint8Array;
}

/** R->C: the envelope `ref` is committed at `seq` (sent only after the commit is durable). */
export interface AckFrame {
  type: typeof FrameType.Ack;
  doc: DocId;
  ref: number;
  seq: number;
}

/** R->C: one stored entry, during catch-up or live fan-out. */
export interface EntryFrame {
  type: typeof FrameType.Entry;
  doc: DocId;
  seq: number;
  envelope: Uint8Array;
}

/** R->C: catch-up done; everything up to `head` was sent. Live entries follow. */
export interface CaughtUpFrame {
  type: typeof FrameType.CaughtUp;
  doc: DocId;
  head: number;
}

/** C->R: upload a sealed snapshot that covers every entry up to and including `seq`. */
export interface SnapshotPutFrame {
  type: typeof FrameType.SnapshotPut;
  doc: DocId;
  ref: number;
  seq: number;
  envelope: Uint8Array;
}

/** R->C: the stored snapshot, sent before the tail when the cursor is behind it. */
export interface SnapshotFrame {
  type: typeof FrameType.Snapshot;
  doc: DocId;
  seq: number;
  envelope: Uint8Array;
}

/**
 * R->C: another device stored a snapshot covering entries up to `seq`, so this one need not upload
 * its own for that stretch. A hint only: nothing is applied from it.
 */
export interface SnapshotStoredFrame {
  type: typeof FrameType.SnapshotStored;
  doc: DocId;
  seq: number;
}

/** Both ways: an ephemeral, encrypted presence payload; never stored. The relay fills `from`. */
export interface PresenceFrame {
  type: typeof FrameType.Presence;
  doc: DocId;
  from: DeviceId;
  payload: Uint8Array;
}

/** R->C (and C->R for protocol errors): a stable code, a sentence, and what it refers to. */
export interface ErrorFrame {
  type: typeof FrameType.Error;
  code: string;
  message: string;
  /** The document concerned, or "" for the connection. */
  doc: string;
  /** The `ref` of the frame refused, or 0. */
  ref: number;
  /** Milliseconds to wait before retrying (rate limits), or 0. */
  retryAfterMs: number;
  /** True when the sender closes the connection after this frame. */
  fatal: boolean;
}

/** C->R: stop following a document. */
export interface UnsubscribeFrame {
  type: typeof FrameType.Unsubscribe;
  doc: DocId;
}

/**
 * C->R: an admin's signed revocation of a device. `signature` by one of the workspace admins over
 * `"tendril/revoke/v1" || workspace || device || at(u64 ms)`.
 */
export interface RevokeFrame {
  type: typeof FrameType.Revoke;
  workspace: WorkspaceId;
  device: DeviceId;
  at: number;
  admin: DeviceId;
  signature: Uint8Array;
}

/**
 * C->R: a registered admin adds another admin key to the workspace (a device restored from an admin's
 * backup, say), so that device's revocations are honoured too. `signature` by the existing admin over
 * `"tendril/add-admin/v1" || workspace || key`.
 */
export interface AddAdminFrame {
  type: typeof FrameType.AddAdmin;
  workspace: WorkspaceId;
  /** The Ed25519 public key of the new admin device. */
  key: Uint8Array;
  admin: DeviceId;
  signature: Uint8Array;
}

/**
 * C->R: makes `device` a member of the workspace at the relay (only members store anything).
 * Admin form (`token` empty): `signer` is a registered admin. Invite form: `token` is an invite
 * token an admin signed, `signer` its enrollment key, and `device` the connection's own device
 * (the joiner proves it holds the link). `signature` by `signer` over {@link enrolBytes}.
 */
export interface EnrolFrame {
  type: typeof FrameType.Enrol;
  workspace: WorkspaceId;
  /** The Ed25519 public key of the device to enrol. */
  device: Uint8Array;
  signer: DeviceId;
  token: Uint8Array;
  signature: Uint8Array;
}

/**
 * C->R: replace a document's capability keys (after a revocation, so a revoked device's old
 * capability stops working, or to take a document back whose keys someone else replaced). Only a
 * registered workspace admin may: `proof` is the admin's signature over {@link setCapsBytes}
 * (bound to this connection's nonce). `readers` are the device public keys that may still
 * subscribe for reading with the replaced keys (the remaining members, so one that was offline
 * can read the new keys sealed to it); nobody else can use them any more.
 */
export interface SetCapsFrame {
  type: typeof FrameType.SetCaps;
  doc: DocId;
  ref: number;
  writeKey: Uint8Array;
  readKey: Uint8Array;
  readers: Uint8Array[];
  admin: DeviceId;
  proof: Uint8Array;
}

/** C->R: store an opaque sealed blob (invite key material) under `key` until taken or expired. */
export interface BlobPutFrame {
  type: typeof FrameType.BlobPut;
  ref: number;
  key: string;
  ttlSeconds: number;
  data: Uint8Array;
}

/** C->R: fetch and delete the blob under `key` (one-time). */
export interface BlobTakeFrame {
  type: typeof FrameType.BlobTake;
  ref: number;
  key: string;
}

/** R->C: answer to BlobPut (empty data) or BlobTake (the blob; `found` false when absent or expired). */
export interface BlobFrame {
  type: typeof FrameType.Blob;
  ref: number;
  found: boolean;
  data: Uint8Array;
}

/**
 * Both ways: an ephemeral, encrypted stream payload (terminal output batches, signed input, replay
 * answers), forwarded to the document's other subscribers, or only to the device `to` names. Never
 * stored. Larger and more frequent than presence, with its own rate limit. The relay fills `from`.
 */
export interface StreamFrame {
  type: typeof FrameType.Stream;
  doc: DocId;
  from: DeviceId;
  /** "" for every other subscriber of the document, else the one device to deliver to. */
  to: string;
  payload: Uint8Array;
}

/**
 * C->R, from a member device: registers a guest link, or replaces its limits. `capKey` is the owner's
 * Ed25519 key for the link: it follows the link's conversations (their documents' capability) and
 * signs every request about the link; `proof` is its signature over `guestLinkBytes` (guest-proofs.ts) (bound to
 * this connection's nonce). Once registered, only the same capKey may change or end the link.
 * `codeVerifier` is `guestCodeVerifier` (guest-proofs.ts) of the access code: the relay keeps no code in clear.
 */
export interface GuestLinkFrame {
  type: typeof FrameType.GuestLink;
  ref: number;
  link: GuestLinkId;
  capKey: Uint8Array;
  codeVerifier: Uint8Array;
  /** Relay time in ms after which visitors are refused; 0 = never. */
  expiresAt: number;
  /** Most visitors the link admits (each browser key is one). */
  maxVisitors: number;
  /** Messages one visitor may send per minute. */
  visitorPerMinute: number;
  /** Messages all visitors of the link together may send per minute. */
  linkPerMinute: number;
  proof: Uint8Array;
}

/**
 * C->R, instead of Hello: a visitor asks to be admitted to a guest link. `visitor` is the visitor's own
 * Ed25519 key (kept by their browser across visits) and `proof` its signature over
 * `guestHelloBytes` (guest-proofs.ts); `code` the access code the visitor typed. `keyBox` (first visit only; empty
 * on return) is the visitor's conversation secret sealed to the owner's link key, stored for the owner.
 * Admitted, the connection may follow and append to one document only, `guestDocId` (guest-proofs.ts).
 */
export interface GuestHelloFrame {
  type: typeof FrameType.GuestHello;
  version: number;
  link: GuestLinkId;
  visitor: DeviceId;
  proof: Uint8Array;
  code: string;
  keyBox: Uint8Array;
  client: string;
}

/**
 * C->R, from a member device: list the link's visitors (a GuestState answers) and keep sending a fresh
 * GuestState whenever a visitor is admitted or ended, until the connection closes. `proof` by the
 * link's capKey over `guestWatchBytes` (guest-proofs.ts). `answering`: this connection is a runner that
 * answers the link's visitors (a worker, the app's runner), not only a view; while one is connected the
 * relay tells the link's visitors the agent is there (GuestPresence).
 */
export interface GuestWatchFrame {
  type: typeof FrameType.GuestWatch;
  ref: number;
  link: GuestLinkId;
  proof: Uint8Array;
  answering: boolean;
}

/**
 * C->R: the owner ends one visitor (`visitor` their key) or the whole link (`visitor` empty). The relay
 * refuses them from then on and closes their connections. `proof` by the link's capKey over
 * `guestEndBytes` (guest-proofs.ts).
 */
export interface GuestEndFrame {
  type: typeof FrameType.GuestEnd;
  ref: number;
  link: GuestLinkId;
  visitor: Uint8Array;
  proof: Uint8Array;
}

/** One visitor of a guest link as the relay holds it. */
export interface GuestVisitor {
  /** The visitor's Ed25519 key. */
  key: Uint8Array;
  /** Their conversation secret sealed to the owner's link key (opaque to the relay). */
  keyBox: Uint8Array;
  admittedAt: number;
  /** 0 while the visitor may talk; else when the owner ended them. */
  endedAt: number;
}

/** R->C: the answer to GuestLink, GuestWatch and GuestEnd (`ref`), and the watch's later updates (`ref` 0). */
export interface GuestStateFrame {
  type: typeof FrameType.GuestState;
  ref: number;
  link: GuestLinkId;
  /** 0 while the link admits visitors; else when the owner ended it. */
  endedAt: number;
  visitors: GuestVisitor[];
}

/**
 * What a stored blob is for, so the relay can list one kind (backup manifests) without reading any.
 * Told by the client, checked only for being one of these: the bytes stay opaque.
 */
export const BlobKind = {
  /** A sealed chat attachment. */
  Attachment: 1,
  /** A sealed chunk of a backup. */
  BackupChunk: 2,
  /** A small sealed backup manifest (listed to find a workspace's backups). */
  BackupManifest: 3,
} as const;
export type BlobKind = (typeof BlobKind)[keyof typeof BlobKind];

/** True for a known {@link BlobKind} number. */
export const isBlobKind = (k: unknown): k is BlobKind => k === BlobKind.Attachment || k === BlobKind.BackupChunk || k === BlobKind.BackupManifest;

/**
 * C->R, from a member device: one part of a content-addressed blob. `id` is the SHA-256 of the whole
 * blob (the relay checks it when the last part arrives and stores nothing that does not match). Parts
 * go in order: `offset` must equal what the relay already received of this upload on this
 * connection (0 starts it over); `size` and `kind` are the same in every part. Each part is answered
 * with BlobWritten; the one that completes the blob only after it is stored.
 */
export interface BlobWriteFrame {
  type: typeof FrameType.BlobWrite;
  ref: number;
  id: Uint8Array;
  kind: BlobKind;
  /** The whole blob's byte length. */
  size: number;
  offset: number;
  data: Uint8Array;
}

/**
 * R->C: where an upload stands. `received` bytes of blob `id` are held for this connection (send
 * the next part at that offset); `stored` true when the whole blob is on the relay (just stored, or
 * it was already there: the client sends nothing more).
 */
export interface BlobWrittenFrame {
  type: typeof FrameType.BlobWritten;
  ref: number;
  id: Uint8Array;
  received: number;
  stored: boolean;
}

/** C->R, from a member device: up to `length` bytes of blob `id` from `offset` (the relay may send fewer). */
export interface BlobReadFrame {
  type: typeof FrameType.BlobRead;
  ref: number;
  id: Uint8Array;
  offset: number;
  length: number;
}

/** R->C: the answer to BlobRead: a slice of the blob and what the relay knows of it. */
export interface BlobDataFrame {
  type: typeof FrameType.BlobData;
  ref: number;
  id: Uint8Array;
  kind: BlobKind;
  size: number;
  /** Relay time in ms when the blob was stored. */
  storedAt: number;
  offset: number;
  data: Uint8Array;
}

/** C->R, from a member device: which of `ids` the relay holds (for incremental uploads). */
export interface BlobHasFrame {
  type: typeof FrameType.BlobHas;
  ref: number;
  ids: Uint8Array[];
}

/** R->C: the answer to BlobHas, one flag per asked id in the same order. */
export interface BlobHaveFrame {
  type: typeof FrameType.BlobHave;
  ref: number;
  present: boolean[];
}

/** C->R, from a member device: the workspace's blobs of one kind, by id, after `after` (empty = from the start). */
export interface BlobListFrame {
  type: typeof FrameType.BlobList;
  ref: number;
  kind: BlobKind;
  /** The last id of the previous page, or empty. */
  after: Uint8Array;
  limit: number;
}

/** One listed blob. */
export interface BlobListItem {
  id: Uint8Array;
  size: number;
  storedAt: number;
}

/** R->C: one page of a BlobList, ids ascending; `more` when another page follows. */
export interface BlobListingFrame {
  type: typeof FrameType.BlobListing;
  ref: number;
  items: BlobListItem[];
  more: boolean;
}

/**
 * C->R: delete blob `id`. Only an admin device of the workspace, or the device that stored the blob,
 * may (E_FORBIDDEN otherwise): a plain member cannot delete someone else's backup.
 */
export interface BlobDeleteFrame {
  type: typeof FrameType.BlobDelete;
  ref: number;
  id: Uint8Array;
}

/** R->C: the answer to BlobDelete; `existed` false when there was no such blob. */
export interface BlobDeletedFrame {
  type: typeof FrameType.BlobDeleted;
  ref: number;
  id: Uint8Array;
  existed: boolean;
}

/**
 * R->C, to an admitted visitor: whether a runner that answers the link (a member connection whose
 * GuestWatch said `answering`) is connected. Sent on admission and whenever that changes. A visitor
 * cannot forge it (only the relay sends it) and it says nothing of any conversation.
 */
export interface GuestPresenceFrame {
  type: typeof FrameType.GuestPresence;
  link: GuestLinkId;
  answering: boolean;
}

/**
 * C->R, instead of Hello: asks which workspaces a key was enrolled in (a recovery phrase's locator,
 * backup/phrase-locator.ts), proved by the key's signature over this connection's challenge
 * (locateProofBytes). The relay answers Located and closes; it tells nothing more to any other proof.
 */
export interface LocateFrame {
  type: typeof FrameType.Locate;
  version: number;
  key: Uint8Array;
  proof: Uint8Array;
}

/**
 * R->C: the workspaces the Locate key is enrolled in, empty for an unknown key and for a proof that
 * does not verify (the two look the same). The relay closes the connection after it.
 */
export interface LocatedFrame {
  type: typeof FrameType.Located;
  workspaces: WorkspaceId[];
}

export type Frame =
  | ChallengeFrame
  | HelloFrame
  | WelcomeFrame
  | SubscribeFrame
  | SubscribedFrame
  | EnvelopeFrame
  | AckFrame
  | EntryFrame
  | CaughtUpFrame
  | SnapshotPutFrame
  | SnapshotFrame
  | SnapshotStoredFrame
  | PresenceFrame
  | ErrorFrame
  | UnsubscribeFrame
  | RevokeFrame
  | SetCapsFrame
  | BlobPutFrame
  | BlobTakeFrame
  | BlobFrame
  | StreamFrame
  | AddAdminFrame
  | EnrolFrame
  | GuestLinkFrame
  | GuestHelloFrame
  | GuestWatchFrame
  | GuestEndFrame
  | GuestStateFrame
  | BlobWriteFrame
  | BlobWrittenFrame
  | BlobReadFrame
  | BlobDataFrame
  | BlobHasFrame
  | BlobHaveFrame
  | BlobListFrame
  | BlobListingFrame
  | BlobDeleteFrame
  | BlobDeletedFrame
  | GuestPresenceFrame
  | LocateFrame
  | LocatedFrame;

type Guard<F extends Frame> = (f: Frame) => f is F;
const guard = <F extends Frame>(t: F['type']): Guard<F> => (f: Frame): f is F => f.type === t;

export const isChallenge = guard<ChallengeFrame>(FrameType.Challenge);
export const isHello = guard<HelloFrame>(FrameType.Hello);
export const isWelcome = guard<WelcomeFrame>(FrameType.Welcome);
export const isSubscribe = guard<SubscribeFrame>(FrameType.Subscribe);
export const isSubscribed = guard<SubscribedFrame>(FrameType.Subscribed);
export const isEnvelope = guard<EnvelopeFrame>(FrameType.Envelope);
export const isAck = guard<AckFrame>(FrameType.Ack);
export const isEntry = guard<EntryFrame>(FrameType.Entry);
export const isCaughtUp = guard<CaughtUpFrame>(FrameType.CaughtUp);
export const isSnapshotPut = guard<SnapshotPutFrame>(FrameType.SnapshotPut);
export const isSnapshot = guard<SnapshotFrame>(FrameType.Snapshot);
export const isSnapshotStored = guard<SnapshotStoredFrame>(FrameType.SnapshotStored);
export const isPresence = guard<PresenceFrame>(FrameType.Presence);
export const isError = guard<ErrorFrame>(FrameType.Error);
export const isUnsubscribe = guard<UnsubscribeFrame>(FrameType.Unsubscribe);
export const isRevoke = guard<RevokeFrame>(FrameType.Revoke);
export const isSetCaps = guard<SetCapsFrame>(FrameType.SetCaps);
export const isBlobPut = guard<BlobPutFrame>(FrameType.BlobPut);
export const isBlobTake = guard<BlobTakeFrame>(FrameType.BlobTake);
export const isBlob = guard<BlobFrame>(FrameType.Blob);
export const isStream = guard<StreamFrame>(FrameType.Stream);
export const isAddAdmin = guard<AddAdminFrame>(FrameType.AddAdmin);
export const isEnrol = guard<EnrolFrame>(FrameType.Enrol);
export const isGuestLink = guard<GuestLinkFrame>(FrameType.GuestLink);
export const isGuestHello = guard<GuestHelloFrame>(FrameType.GuestHello);
export const isGuestWatch = guard<GuestWatchFrame>(FrameType.GuestWatch);
export const isGuestEnd = guard<GuestEndFrame>(FrameType.GuestEnd);
export const isGuestState = guard<GuestStateFrame>(FrameType.GuestState);
export const isBlobWrite = guard<BlobWriteFrame>(FrameType.BlobWrite);
export const isBlobWritten = guard<BlobWrittenFrame>(FrameType.BlobWritten);
export const isBlobRead = guard<BlobReadFrame>(FrameType.BlobRead);
export const isBlobData = guard<BlobDataFrame>(FrameType.BlobData);
export const isBlobHas = guard<BlobHasFrame>(FrameType.BlobHas);
export const isBlobHave = guard<BlobHaveFrame>(FrameType.BlobHave);
export const isBlobList = guard<BlobListFrame>(FrameType.BlobList);
export const isBlobListing = guard<BlobListingFrame>(FrameType.BlobListing);
export const isBlobDelete = guard<BlobDeleteFrame>(FrameType.BlobDelete);
export const isBlobDeleted = guard<BlobDeletedFrame>(FrameType.BlobDeleted);
export const isGuestPresence = guard<GuestPresenceFrame>(FrameType.GuestPresence);
export const isLocate = guard<LocateFrame>(FrameType.Locate);
export const isLocated = guard<LocatedFrame>(FrameType.Located);
