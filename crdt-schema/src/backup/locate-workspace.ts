/**
 * Asking a relay which workspaces a recovery phrase's locator
 * (phrase-locator.ts) is enrolled in: one connection, the relay's Challenge,
 * our Locate signed over it, its Located, closed. Only the holder of the
 * locator's secret key can sign the proof, so the answer goes to the phrase
 * holder alone; an empty answer means "no workspace for this phrase here".
 */
import type { DeviceIdentity } from '../crypto/keys.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { TendrilError } from '../errors.ts';
import type { WorkspaceId } from '../ids.ts';
import type { WebSocketConstructor } from '../sync/relay-client.ts';
import { syncUrl } from '../workspace/urls.ts';
import { decodeFrame, encodeFrame, FrameType, locateProofBytes, PROTOCOL_VERSION } from '../wire/index.ts';

export interface LocateOptions {
  /** http(s) or ws(s) base URL of the relay. */
  readonly relay: string;
  readonly locator: DeviceIdentity;
  readonly WebSocket: WebSocketConstructor;
  readonly timeoutMs?: number;
}

/** The workspaces the relay has the locator enrolled in (usually one; none when the phrase is unknown there). */
export function locateWorkspaces(crypto: CryptoProvider, o: LocateOptions): Promise<WorkspaceId[]> {
  return new Promise((resolve, reject) => {
    const ws = new o.WebSocket(syncUrl(o.relay));
    ws.binaryType = 'arraybuffer';
    let done = false;
    const finish = (err: Error | null, ids?: WorkspaceId[]): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try { ws.close(); } catch { /* already closed */ }
      if (err) reject(err);
      else resolve(ids ?? []);
    };
    const timer = setTimeout(() => finish(new TendrilError('E_OFFLINE', 'the relay did not answer the workspace lookup in time')), o.timeoutMs ?? 15_000);
    ws.onerror = () => finish(new TendrilError('E_OFFLINE', 'cannot reach the relay to look the recovery phrase up'));
    ws.onclose = () => finish(new TendrilError('E_OFFLINE', 'the relay closed the connection before answering the workspace lookup'));
    ws.onmessage = (ev) => {
      try {
        const data = ev.data;
        const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
        if (!bytes) throw new TendrilError('E_FRAME_MALFORMED', 'a text message arrived on a binary protocol');
        const frame = decodeFrame(bytes);
        if (frame.type === FrameType.Challenge) {
          const key = o.locator.signPublicKey;
          const proof = crypto.sign(locateProofBytes(frame.nonce, key), o.locator.signSecretKey.expose());
          ws.send(encodeFrame({ type: FrameType.Locate, version: PROTOCOL_VERSION, key, proof }));
        } else if (frame.type === FrameType.Located) {
          finish(null, frame.workspaces);
        } else if (frame.type === FrameType.Error) {
          finish(new TendrilError(frame.code === 'E_RATE_LIMITED' || frame.code === 'E_TOO_MANY_CONNECTIONS' ? frame.code : 'E_OFFLINE', `the relay refused the workspace lookup: ${frame.message || frame.code}`));
        }
      } catch (e) {
        finish(e as Error);
      }
    };
  });
}
