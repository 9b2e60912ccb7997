/**
 * A raw-frame relay client for tests: it speaks the wire protocol directly
 * (no sync engine), keeps every frame it receives in arrival order, and lets
 * a test wait for the next frame matching a predicate.
 */
import WebSocket from 'ws';
import type { DocId, WorkspaceId } from '@tendril/crdt-schema/ids';
import {
  CapMode,
  decodeFrame,
  encodeFrame,
  FrameType,
  helloProofBytes,
  PROTOCOL_VERSION,
  subscribeProofBytes,
  type ChallengeFrame,
  type ErrorFrame,
  type Frame,
} from '@tendril/crdt-schema/wire';
import type { TestCaps, TestKey } from './keys.ts';

type Of<T extends Frame['type']> = Extract<Frame, { type: T }>;

export interface ConnectOptions {
  origin?: string;
  /** Answer pings (default true); false simulates a dead peer. */
  autoPong?: boolean;
  maxPayload?: number;
  /** Source address of the client socket (any of 127.0.0.0/8 works on loopback). */
  localAddress?: string;
  headers?: Record<string, string>;
}

export interface HelloOptions {
  register?: Uint8Array[];
  accessCode?: string;
}

export class TestClient {
  /** Frames received and not yet taken by `next`, in arrival order. */
  readonly inbox: Frame[] = [];
  /** Every frame received. */
  readonly received: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  challenge!: ChallengeFrame;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data: Buffer) => {
      const frame = decodeFrame(new Uint8Array(data), { maxBytes: 64 * 1024 * 1024 });
      this.received.push(frame);
      this.inbox.push(frame);
      for (const w of this.waiters.splice(0)) w();
    });
    ws.on('close', () => {
      for (const w of this.waiters.splice(0)) w();
    });
    ws.on('error', () => undefined);
  }

  /** Opens a socket to `${baseUrl}/sync` and waits for the Challenge. */
  static async connect(baseUrl: string, opts: ConnectOptions = {}): Promise<TestClient> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/sync`;
    const ws = new WebSocket(url, {
      origin: opts.origin,
      autoPong: opts.autoPong ?? true,
      maxPayload: opts.maxPayload ?? 64 * 1024 * 1024,
      localAddress: opts.localAddress,
      headers: opts.headers,
    });
    const client = new TestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const first = await client.next(() => true);
    if (first.type === FrameType.Challenge) client.challenge = first;
    else client.inbox.unshift(first);
    return client;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(frame: Frame): void {
    this.ws.send(encodeFrame(frame));
  }

  sendRaw(bytes: Uint8Array | string): void {
    this.ws.send(bytes);
  }

  /** Takes the first frame (already received or arriving) that matches; rejects at the deadline or on close. */
  async next<F extends Frame = Frame>(match: (f: Frame) => boolean = () => true, timeoutMs = 10_000): Promise<F> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.inbox.findIndex(match);
      if (i >= 0) return this.inbox.splice(i, 1)[0] as F;
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`socket closed; inbox: ${this.describeInbox()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms; inbox: ${this.describeInbox()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  nextOf<T extends Frame['type']>(type: T, doc?: string, timeoutMs?: number): Promise<Of<T>> {
    return this.next<Of<T>>((f) => f.type === type && (doc === undefined || ('doc' in f && f.doc === doc)), timeoutMs);
  }

  /** The next Error frame with `code`. */
  nextError(code: string, timeoutMs?: number): Promise<ErrorFrame> {
    return this.next<ErrorFrame>((f) => f.type === FrameType.Error && f.code === code, timeoutMs);
  }

  /** Hello signed by `device`; resolves with the Welcome or the Error that answered it. */
  async hello(device: TestKey, workspace: WorkspaceId, opts: HelloOptions = {}): Promise<Of<typeof FrameType.Welcome> | ErrorFrame> {
    this.send({
      type: FrameType.Hello,
      version: PROTOCOL_VERSION,
      workspace,
      device: device.id,
      proof: device.sign(helloProofBytes(this.challenge.nonce, workspace, device.publicKey)),
      client: 'relay-test',
      accessCode: opts.accessCode ?? '',
      ...(opts.register ? { register: { admins: opts.register } } : {}),
    });
    return this.next((f) => f.type === FrameType.Welcome || f.type === FrameType.Error);
  }

  /** Subscribes with `caps` (the write key for write mode); `create` registers the doc with them. */
  sendSubscribe(doc: DocId, caps: TestCaps, mode: CapMode, cursor = 0, create = false, signer?: TestKey): void {
    const key = signer ?? (mode === CapMode.Write ? caps.write : caps.read);
    this.send({
      type: FrameType.Subscribe,
      doc,
      cursor,
      mode,
      proof: key.sign(subscribeProofBytes(this.challenge.nonce, doc, mode)),
      ...(create ? { create: { writeKey: caps.write.publicKey, readKey: caps.read.publicKey } } : {}),
    });
  }

  /** Subscribes and waits for Subscribed (or the Error that refused it). */
  async subscribe(doc: DocId, caps: TestCaps, mode: CapMode, cursor = 0, create = false): Promise<Of<typeof FrameType.Subscribed> | ErrorFrame> {
    this.sendSubscribe(doc, caps, mode, cursor, create);
    return this.next((f) => (f.type === FrameType.Subscribed || f.type === FrameType.Error) && 'doc' in f && f.doc === doc);
  }

  /** Collects Snapshot/Entry frames for `doc` until CaughtUp; returns them in order. */
  async catchUp(doc: DocId, timeoutMs?: number): Promise<{ frames: Frame[]; head: number }> {
    const frames: Frame[] = [];
    for (;;) {
      const f = await this.next(
        (x) => (x.type === FrameType.Entry || x.type === FrameType.Snapshot || x.type === FrameType.CaughtUp) && x.doc === doc,
        timeoutMs,
      );
      if (f.type === FrameType.CaughtUp) return { frames, head: f.head };
      frames.push(f);
    }
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close();
    return this.closed;
  }

  private describeInbox(): string {
    return JSON.stringify(this.inbox.slice(0, 8).map((f) => ('code' in f ? `${f.type}:${f.code}` : f.type)));
  }
}
