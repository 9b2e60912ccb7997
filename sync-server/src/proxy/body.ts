/**
 * Reads a request body up to a byte cap. A declared Content-Length over the
 * cap is refused before reading; a body that grows past it is refused as soon
 * as it does, without buffering the rest.
 */
import type { IncomingMessage } from 'node:http';

export type BodyResult = { readonly ok: true; readonly bytes: Buffer } | { readonly ok: false; readonly reason: 'too_large' | 'aborted' };

export function declaredTooLarge(req: IncomingMessage, cap: number): boolean {
  const length = Number(req.headers['content-length'] ?? NaN);
  return Number.isFinite(length) && length > cap;
}

export function readBody(req: IncomingMessage, cap: number): Promise<BodyResult> {
  if (declaredTooLarge(req, cap)) return Promise.resolve({ ok: false, reason: 'too_large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (r: BodyResult): void => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onError);
      resolve(r);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > cap) {
        req.pause();
        done({ ok: false, reason: 'too_large' });
      } else chunks.push(chunk);
    };
    const onEnd = (): void => done({ ok: true, bytes: Buffer.concat(chunks) });
    const onError = (): void => done({ ok: false, reason: 'aborted' });
    req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onError);
  });
}
