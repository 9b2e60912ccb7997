/**
 * One relay connection for the guest clients (visitor and owner side): opens
 * the WebSocket, decodes frames, and lets the caller wait for the frame that
 * answers a request. Smaller than the sync RelayClient on purpose: a guest
 * conversation is a plain log of envelopes, with no Yjs document behind it.
 */
import { ERRORS, TendrilError, type ErrorCode } from '../errors.ts';
import type { WebSocketConstructor, WebSocketLike } from '../sync/relay-client.ts';
import { decodeFrame, encodeFrame, FrameType, type ChallengeFrame, type ErrorFrame, type Frame } from '../wire/index.ts';

export class FrameSocket {
  private readonly waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  private readonly listeners = new Set<(f: Frame) => void>();
  private closedWith: TendrilError | null = null;
  private refs = 0;
  private readonly closeListeners = new Set<(e: TendrilError) => void>();

  private constructor(private readonly ws: WebSocketLike, readonly challenge: ChallengeFrame) {}

  /** Connects to the relay's `/sync` URL and waits for its Challenge. */
  static open(url: string, WebSocket: WebSocketConstructor, timeoutMs = 10_000): Promise<FrameSocket> {
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    return new Promise((resolve, reject) => {
      let socket: FrameSocket | null = null;
      const timer = setTimeout(() => fail(new TendrilError('E_OFFLINE', `no answer from ${url} within ${timeoutMs} ms`)), timeoutMs);
      const fail = (e: TendrilError): void => {
        clearTimeout(timer);
        if (socket) socket.onClosed(e);
        else reject(e);
        ws.close();
      };
      ws.onerror = () => undefined;
      ws.onclose = () => fail(socket?.closedWith ?? new TendrilError('E_OFFLINE', `the connection to ${url} closed`));
      ws.onmessage = (ev) => {
        let frame: Frame;
        try {
          const data = ev.data;
          const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
          if (!bytes) throw new TendrilError('E_FRAME_MALFORMED', 'a text message on a binary protocol');
          frame = decodeFrame(bytes, { maxBytes: 64 * 1024 * 1024 });
        } catch (e) {
          return fail(e instanceof TendrilError ? e : new TendrilError('E_FRAME_MALFORMED', String(e)));
        }
        if (!socket) {
          if (frame.type !== FrameType.Challenge) return fail(new TendrilError('E_FRAME_MALFORMED', 'the relay did not open with a Challenge'));
          clearTimeout(timer);
          socket = new FrameSocket(ws, frame);
          return resolve(socket);
        }
        socket.deliver(frame);
      };
    });
  }

  /** A fresh `ref` for a request on this connection (one counter, so no two waiters share a ref). */
  nextRef(): number {
    return ++this.refs;
  }

  get closed(): TendrilError | null {
    return this.closedWith;
  }

  send(frame: Frame): void {
    if (this.closedWith) throw this.closedWith;
    this.ws.send(encodeFrame(frame));
  }

  /** Every frame from now on (an Error frame too); returns the unsubscribe function. */
  onFrame(listener: (f: Frame) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onClose(listener: (e: TendrilError) => void): void {
    if (this.closedWith) listener(this.closedWith);
    else this.closeListeners.add(listener);
  }

  /** The next frame that matches; rejects when the connection closes or at the deadline. */
  next<F extends Frame = Frame>(match: (f: Frame) => boolean, timeoutMs = 15_000): Promise<F> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (f: Frame) => {
          clearTimeout(timer);
          this.closeListeners.delete(onClose);
          resolve(f as F);
        },
      };
      const onClose = (e: TendrilError): void => {
        clearTimeout(timer);
        reject(e);
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        this.closeListeners.delete(onClose);
        reject(new TendrilError('E_TIMEOUT', `no answer from the relay within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
      this.closeListeners.add(onClose);
    });
  }

  close(): void {
    this.onClosed(new TendrilError('E_OFFLINE', 'closed'));
    this.ws.close();
  }

  private deliver(frame: Frame): void {
    if (frame.type === FrameType.Error && frame.fatal) this.closedWith = errorOf(frame);
    const i = this.waiters.findIndex((w) => w.match(frame));
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(frame);
    for (const l of this.listeners) l(frame);
  }

  private onClosed(e: TendrilError): void {
    this.closedWith ??= e;
    for (const l of [...this.closeListeners]) l(this.closedWith);
    this.closeListeners.clear();
  }
}

/** The relay's Error frame as a TendrilError with its code (and the wait it asks for, if any). */
export function errorOf(f: ErrorFrame): TendrilError & { retryAfterMs?: number } {
  const code = Object.prototype.hasOwnProperty.call(ERRORS, f.code) ? (f.code as ErrorCode) : 'E_BAD_INPUT';
  const err = new TendrilError(code, f.message) as TendrilError & { retryAfterMs?: number };
  if (f.retryAfterMs > 0) err.retryAfterMs = f.retryAfterMs;
  return err;
}
