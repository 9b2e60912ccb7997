/**
 * One WebSocket connection from a device to the relay, shared by every
 * document the device syncs. It answers the relay's challenge, (re)subscribes
 * each document after every handshake, routes frames to their document,
 * reconnects with jittered exponential backoff, and carries the requests
 * answered by `ref` (one-time invite blobs, stored blobs: see blobs/blob-client.ts). The WebSocket constructor is injected, so the same
 * code runs in Node (`ws`) and in the browser.
 */
import { ObservableV2 } from 'lib0/observable';
import type { DeviceId, DocId, WorkspaceId } from '../ids.ts';
import { ERRORS, TendrilError, type ErrorCode } from '../errors.ts';
import { decodeFrame, encodeFrame } from '../wire/codec.ts';
import { FrameType, PROTOCOL_VERSION, type AddAdminFrame, type EnrolFrame, type Frame, type PresenceFrame, type RevokeFrame } from '../wire/frames.ts';
import { helloProofBytes } from '../wire/proofs.ts';
import type { DocLink, DocSync } from './doc-sync.ts';
import { LiveQueue } from './live-queue.ts';
import type { SyncProblem } from './status.ts';

/** The subset of the WebSocket API used here (browser WebSocket and `ws` both fit). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** The device as the relay sees it: its id and a signing function (the secret key stays with the caller). */
export interface DeviceSigner {
  readonly id: DeviceId;
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

export interface RelayClientOptions {
  /** ws:// or wss:// URL of the relay's /sync endpoint. */
  readonly url: string;
  readonly workspace: WorkspaceId;
  readonly device: DeviceSigner;
  readonly WebSocket: WebSocketConstructor;
  readonly clientName: string;
  readonly accessCode?: string;
  /** Set when this hello creates the workspace on the relay. */
  readonly register?: { admins: Uint8Array[] };
  readonly backoff?: { minMs: number; maxMs: number };
}

/** The relay's word about this device, from its Welcome. */
export interface RelayObserved {
  /** This device's network address as the relay sees it. */
  readonly address: string;
  /** The relay's clock at the Welcome, ms since the Unix epoch. */
  readonly serverTime: number;
  /** This device's clock when the Welcome arrived. */
  readonly at: number;
}

/** One blob (sealed invite material) this client parked on or took from the relay. */
export interface BlobNote {
  readonly direction: 'put' | 'take';
  readonly bytes: number;
  /** How long the relay keeps it untaken; 0 for a take. */
  readonly ttlSeconds: number;
  readonly at: number;
}

export const ConnectionState = {
  /** Opening the socket or waiting for the welcome. */
  Connecting: 'connecting',
  /** Handshake done; documents are subscribed. */
  Open: 'open',
  /** Not connected; a reconnect is scheduled unless closed. */
  Offline: 'offline',
  /** Closed for good by the caller or by a fatal relay error. */
  Closed: 'closed',
} as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

export interface RelayClientEvents {
  state: (state: ConnectionState) => void;
  problem: (problem: SyncProblem) => void;
  /** An ephemeral presence frame from another device (payload still sealed: the receiver verifies and opens it). */
  presence: (frame: PresenceFrame) => void;
}

export class RelayClient extends ObservableV2<RelayClientEvents> {
  private readonly o: RelayClientOptions;
  private readonly docs = new Map<DocId, DocSync>();
  /** Requests waiting for the relay's answer, by ref. */
  private readonly waiters = new Map<number, { resolve: (f: Frame) => void; reject: (e: unknown) => void }>();
  private ws: WebSocketLike | null = null;
  private link: DocLink | null = null;
  private register: { admins: Uint8Array[] } | undefined;
  private attempt = 0;
  private nextRef = 1;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private _state: ConnectionState = ConnectionState.Offline;
  private maxFrameBytes = 1 << 20;
  /** Why the relay ended this client for good (revoked, bad access code...), if it did. */
  private fatal: TendrilError | null = null;
  private _observed: RelayObserved | null = null;
  private readonly _blobs: BlobNote[] = [];

  constructor(options: RelayClientOptions) {
    super();
    this.o = options;
    this.register = options.register;
  }

  get state(): ConnectionState {
    return this._state;
  }

  /** What the relay told this device about itself in the last Welcome (its address as seen there), or null before one. */
  get observed(): RelayObserved | null {
    return this._observed;
  }

  /** The blobs this client parked on or took from the relay (sizes and times only). */
  get blobs(): readonly BlobNote[] {
    return this._blobs;
  }

  /** The current connection's challenge nonce (proofs sign it), or null when not connected. */
  get nonce(): Uint8Array | null {
    return this._state === ConnectionState.Open && this.link ? this.link.nonce : null;
  }

  /** Drops the connection and connects again at once (after capability keys changed). */
  reconnect(): void {
    if (this._state === ConnectionState.Closed) return;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      this.link = null;
      for (const d of this.docs.values()) d.detach();
      this.rejectWaiters();
      ws.close(1000, 'reconnecting');
    }
    this.setState(ConnectionState.Offline);
    this.attempt = 0;
    this.connect();
  }

  /** Adds a document; it subscribes now if connected, else after the next handshake. */
  add(sync: DocSync): void {
    this.docs.set(sync.doc, sync);
    if (this.link) sync.attach(this.link);
  }

  remove(doc: DocId): void {
    this.docs.get(doc)?.detach();
    this.docs.delete(doc);
    if (this.link) this.link.send({ type: FrameType.Unsubscribe, doc });
  }

  connect(): void {
    if (this._state === ConnectionState.Closed || this.ws) return;
    this.setState(ConnectionState.Connecting);
    const ws = new this.o.WebSocket(this.o.url);
    // Node's `ws` hands a message over as a Buffer without copying it into an ArrayBuffer (decodeFrame
    // copies what it keeps, but for a stream frame that is a buffer of its own: onMessage). Browsers
    // ignore that value (an unknown enum value) and take array buffers.
    try {
      ws.binaryType = 'nodebuffer';
    } catch {
      // A WebSocket that throws on unknown values: array buffers below.
    }
    if (ws.binaryType !== 'nodebuffer') ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onmessage = (ev) => this.onMessage(ws, ev.data);
    ws.onclose = () => this.onClose(ws);
    ws.onerror = () => {};
  }

  /** Resolves once the handshake completed, or rejects at the deadline. */
  whenOpen(timeoutMs = 10_000): Promise<void> {
    if (this._state === ConnectionState.Open) return Promise.resolve();
    if (this.fatal) return Promise.reject(this.fatal);
    return new Promise((resolve, reject) => {
      const onState = (s: ConnectionState): void => {
        if (s === ConnectionState.Open) done(null);
        else if (s === ConnectionState.Closed) done(this.fatal ?? new TendrilError('E_OFFLINE', 'the relay connection was closed'));
      };
      const done = (err: Error | null): void => {
        clearTimeout(timer);
        this.off('state', onState);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => done(new TendrilError('E_OFFLINE', `no relay connection to ${this.o.url} within ${timeoutMs} ms`)), timeoutMs);
      this.on('state', onState);
    });
  }

  private send(frame: Frame): void {
    this.sendEncoded(encodeFrame(frame));
  }

  /** `bytes` must not change after this (a Node peer's socket may send them by reference, node-peer.ts). */
  private sendEncoded(bytes: Uint8Array): void {
    const ws = this.ws;
    if (ws && ws.readyState === 1) ws.send(bytes);
  }

  private onMessage(ws: WebSocketLike, data: unknown): void {
    if (ws !== this.ws) return;
    let frame: Frame;
    try {
      const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
      if (!bytes) throw new TendrilError('E_FRAME_MALFORMED', 'a text message arrived on a binary protocol');
      // A large stream frame's payload may stay a view of its message (a buffer of its own, never reused, codec.ts).
      frame = decodeFrame(bytes, { maxBytes: this.maxFrameBytes + 4096, views: bytes[0] === FrameType.Stream });
    } catch (e) {
      this.problem(e instanceof TendrilError ? e.code : 'E_FRAME_MALFORMED', `relay sent an unreadable frame: ${(e as Error).message}`, true);
      ws.close(4000, 'malformed frame');
      return;
    }
    this.onFrame(frame);
  }

  private onFrame(frame: Frame): void {
    switch (frame.type) {
      case FrameType.Challenge: {
        if (frame.version < PROTOCOL_VERSION) {
          this.problem('E_PROTOCOL_VERSION', `relay speaks protocol ${frame.version}, this device needs ${PROTOCOL_VERSION}`, false);
          return this.close();
        }
        const nonce = frame.nonce;
        this.send({
          type: FrameType.Hello,
          version: PROTOCOL_VERSION,
          workspace: this.o.workspace,
          device: this.o.device.id,
          proof: this.o.device.sign(helloProofBytes(nonce, this.o.workspace, this.o.device.publicKey)),
          client: this.o.clientName,
          accessCode: this.o.accessCode ?? '',
          ...(this.register ? { register: this.register } : {}),
        });
        // One inbox per connection: its documents' frames keep their arrival order (live-queue.ts).
        this.link = { send: (f) => this.send(f), sendEncoded: (b) => this.sendEncoded(b), nonce, maxFrameBytes: this.maxFrameBytes, inbox: new LiveQueue() };
        return;
      }
      case FrameType.Welcome: {
        this.register = undefined;
        this.attempt = 0;
        this.maxFrameBytes = frame.maxFrameBytes;
        this._observed = { address: frame.address, serverTime: frame.serverTime, at: Date.now() };
        const link = this.link!;
        this.link = { ...link, maxFrameBytes: frame.maxFrameBytes };
        this.setState(ConnectionState.Open);
        for (const d of this.docs.values()) d.attach(this.link);
        return;
      }
      case FrameType.Blob:
      case FrameType.BlobWritten:
      case FrameType.BlobData:
      case FrameType.BlobHave:
      case FrameType.BlobListing:
      case FrameType.BlobDeleted: {
        const w = this.waiters.get(frame.ref);
        this.waiters.delete(frame.ref);
        w?.resolve(frame);
        return;
      }
      case FrameType.Error: {
        if (frame.doc !== '' && this.docs.has(frame.doc as DocId)) return this.docs.get(frame.doc as DocId)!.handle(frame);
        const w = frame.ref === 0 ? undefined : this.waiters.get(frame.ref);
        if (w) {
          this.waiters.delete(frame.ref);
          w.reject(new TendrilError(frame.code in ERRORS ? (frame.code as ErrorCode) : 'E_BAD_INPUT', frame.message));
          return;
        }
        const code = frame.code in ERRORS ? (frame.code as ErrorCode) : 'E_BAD_INPUT';
        this.problem(code, `relay: ${frame.message}`, false);
        if (frame.fatal && (code === 'E_REVOKED' || code === 'E_ACCESS_CODE' || code === 'E_AUTH_FAILED' || code === 'E_PROTOCOL_VERSION' || code === 'E_UNKNOWN_WORKSPACE')) {
          this.fatal = new TendrilError(code, `relay refused this device: ${frame.message}`);
          this.close();
        }
        return;
      }
      case FrameType.Presence:
        // The document opens and authenticates the payload (DocSync 'presence'); the raw frame is
        // also announced here for callers that only track who is connected.
        this.docs.get(frame.doc)?.handle(frame);
        if (this.docs.has(frame.doc)) this.emit('presence', [frame]);
        return;
      default:
        if ('doc' in frame) this.docs.get(frame.doc as DocId)?.handle(frame);
    }
  }

  private onClose(ws: WebSocketLike): void {
    if (ws !== this.ws) return;
    this.ws = null;
    this.link = null;
    for (const d of this.docs.values()) d.detach();
    this.rejectWaiters();
    if (this._state === ConnectionState.Closed) return;
    this.setState(ConnectionState.Offline);
    const { minMs, maxMs } = this.o.backoff ?? { minMs: 100, maxMs: 10_000 };
    const delay = Math.min(maxMs, minMs * 2 ** this.attempt++) * (0.5 + Math.random() / 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  /** Parks a sealed blob on the relay under `key` (invite key material). */
  async putBlob(key: string, data: Uint8Array, ttlSeconds: number): Promise<void> {
    await this.blobRequest((ref) => ({ type: FrameType.BlobPut, ref, key, ttlSeconds, data }));
    this._blobs.push({ direction: 'put', bytes: data.byteLength, ttlSeconds, at: Date.now() });
  }

  /** Takes (fetches and deletes) the blob under `key`; null when absent or expired. */
  async takeBlob(key: string): Promise<Uint8Array | null> {
    const r = await this.blobRequest((ref) => ({ type: FrameType.BlobTake, ref, key }));
    if (r.found) this._blobs.push({ direction: 'take', bytes: r.data.byteLength, ttlSeconds: 0, at: Date.now() });
    return r.found ? r.data : null;
  }

  private async blobRequest(make: (ref: number) => Frame): Promise<{ found: boolean; data: Uint8Array }> {
    const answer = await this.request(make);
    if (answer.type !== FrameType.Blob) throw new TendrilError('E_FRAME_MALFORMED', `the relay answered a blob request with frame ${answer.type}`);
    return answer;
  }

  /**
   * Sends the frame `make` builds with a fresh ref once connected, and resolves with the relay's
   * answer carrying that ref (Blob, BlobWritten, BlobData, BlobHave, BlobListing, BlobDeleted).
   * An Error frame for the ref rejects with its code; a connection that closes first rejects with
   * E_OFFLINE (the request may or may not have reached the relay: resend it).
   */
  async request(make: (ref: number) => Frame, timeoutMs = 10_000): Promise<Frame> {
    await this.whenOpen(timeoutMs);
    const ref = this.nextRef++;
    return new Promise((resolve, reject) => {
      this.waiters.set(ref, { resolve, reject });
      this.send(make(ref));
    });
  }

  /** Largest frame the relay accepts (from its Welcome), for sizing request parts. */
  get frameLimit(): number {
    return this.maxFrameBytes;
  }

  /** Sends an admin's signed revocation. */
  async revoke(frame: Omit<RevokeFrame, 'type'>): Promise<void> {
    await this.whenOpen();
    this.send({ type: FrameType.Revoke, ...frame });
  }

  /** Sends an admin's signed statement that another key is an admin too (see AddAdminFrame). */
  async addAdmin(frame: Omit<AddAdminFrame, 'type'>): Promise<void> {
    await this.whenOpen();
    this.send({ type: FrameType.AddAdmin, ...frame });
  }

  /** Sends an enrolment (see EnrolFrame): an admin's, or this device's own with an invite token. */
  async enrol(frame: Omit<EnrolFrame, 'type'>): Promise<void> {
    await this.whenOpen();
    this.send({ type: FrameType.Enrol, ...frame });
  }

  /** Sends any frame on the open connection (for capability changes and tests). */
  sendFrame(frame: Frame): void {
    this.send(frame);
  }

  close(): void {
    this.setState(ConnectionState.Closed);
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    const ws = this.ws;
    this.ws = null;
    this.link = null;
    for (const d of this.docs.values()) d.detach();
    this.rejectWaiters();
    ws?.close(1000, 'client closing');
  }

  override destroy(): void {
    this.close();
    super.destroy();
  }

  /** Requests in flight get no answer on a closed connection: they fail with E_OFFLINE (resend). */
  private rejectWaiters(): void {
    for (const w of this.waiters.values()) w.reject(new TendrilError('E_OFFLINE', 'the relay connection closed'));
    this.waiters.clear();
  }

  private problem(code: ErrorCode, message: string, relayMisbehaviour: boolean): void {
    this.emit('problem', [{ code, message, relayMisbehaviour }]);
  }

  private setState(s: ConnectionState): void {
    if (this._state === s) return;
    this._state = s;
    this.emit('state', [s]);
  }
}
