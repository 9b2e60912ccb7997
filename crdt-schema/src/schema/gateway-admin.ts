/**
 * A gateway's administration document: where members leave signed requests
 * for the gateway's host (today: SSH keys in its authorized_keys), where the
 * gateway answers each one, publishes what it manages, and keeps its activity
 * log. Everything here is opaque signed bytes: the gateway signs what it
 * writes and checks what it reads (gateway/src/peer/ssh-signatures.ts), so a
 * member who may write the document can add noise but not speak for anyone.
 *
 *   requests  id -> bytes   a member's signed request; the gateway deletes it once answered
 *   results   id -> bytes   the gateway's signed answer to request `id`
 *   state           bytes   the gateway's signed list of what it manages
 *   log, logHeads           the gateway's signed activity entries, in capped segments (segments.ts)
 */
import type * as Y from 'yjs';
import { badInput } from './fields.ts';
import { GATEWAY_ADMIN } from './keys.ts';
import { appendToSegments, readAllSegments, type SegmentLayout } from './segments.ts';
import { makeWriter, observeRoots, type AccessorOptions } from './writer.ts';

/** Largest signed request or answer kept (a public key line is far smaller). */
export const MAX_ADMIN_BYTES = 32 * 1024;
export const ADMIN_LOG_SEGMENT_CAP = 256;

const REQUEST_ID = /^[0-9]{1,15}$/;

const logLayout: SegmentLayout = {
  cap: ADMIN_LOG_SEGMENT_CAP,
  key: (writer, index) => `${writer}/${index}`,
  parse(key) {
    const slash = key.lastIndexOf('/');
    const index = Number(key.slice(slash + 1));
    return slash > 0 && Number.isSafeInteger(index) && index >= 0 ? { writer: key.slice(0, slash), index } : undefined;
  },
};

const checkBytes = (v: Uint8Array, what: string): Uint8Array => {
  if (!(v instanceof Uint8Array) || v.length === 0 || v.length > MAX_ADMIN_BYTES) badInput(`${what} must be 1 to ${MAX_ADMIN_BYTES} bytes`);
  return v;
};

const checkId = (id: string): string => {
  if (!REQUEST_ID.test(id)) badInput('a request id is a decimal number');
  return id;
};

export function gatewayAdminDoc(doc: Y.Doc, options: AccessorOptions = {}) {
  const w = makeWriter(doc, 'gateway-admin', options);
  const requests = doc.getMap<unknown>(GATEWAY_ADMIN.requests);
  const results = doc.getMap<unknown>(GATEWAY_ADMIN.results);
  const state = doc.getMap<unknown>(GATEWAY_ADMIN.state);
  const log = doc.getMap<unknown>(GATEWAY_ADMIN.log);
  const logHeads = doc.getMap<unknown>(GATEWAY_ADMIN.logHeads);
  const bytesAt = (m: Y.Map<unknown>, key: string): Uint8Array | undefined => {
    const v = m.get(key);
    return v instanceof Uint8Array && v.length <= MAX_ADMIN_BYTES ? v : undefined;
  };
  return {
    /** Leaves a signed request for the gateway. */
    request(id: string, signed: Uint8Array): void {
      const k = checkId(id);
      const b = checkBytes(signed, 'a request');
      w.write(() => requests.set(k, b));
    },
    /** Requests not answered yet, oldest id first (ids are random, so the order is only stable). */
    pending(): { id: string; bytes: Uint8Array }[] {
      const out: { id: string; bytes: Uint8Array }[] = [];
      for (const id of requests.keys()) {
        const bytes = bytesAt(requests, id);
        if (REQUEST_ID.test(id) && bytes !== undefined && !results.has(id)) out.push({ id, bytes });
      }
      return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
    /** The gateway's answer to request `id` (and the request is dropped: it is done). */
    answer(id: string, signed: Uint8Array): void {
      const k = checkId(id);
      const b = checkBytes(signed, 'an answer');
      w.write(() => {
        results.set(k, b);
        requests.delete(k);
      });
    },
    result(id: string): Uint8Array | undefined {
      return bytesAt(results, id);
    },
    /** Drops a request without an answer (unreadable ones). */
    drop(id: string): void {
      if (requests.has(id)) w.write(() => requests.delete(id));
    },
    setState(signed: Uint8Array): void {
      const b = checkBytes(signed, 'the state');
      w.write(() => state.set('current', b));
    },
    state(): Uint8Array | undefined {
      return bytesAt(state, 'current');
    },
    /** Appends signed entries to `writer`'s log (the gateway's device id). */
    appendLog(writer: string, entries: readonly Uint8Array[]): void {
      if (entries.length === 0) return;
      const list = entries.map((e) => checkBytes(e, 'a log entry'));
      w.write(() => appendToSegments(log, logHeads, writer, list, logLayout));
    },
    /** Every entry of `writer`'s log in order. */
    readLog(writer: string): Uint8Array[] {
      return readAllSegments<unknown>(log, logLayout)
        .filter((p) => p.writer === writer && p.item instanceof Uint8Array)
        .sort((a, b) => a.position - b.position)
        .map((p) => p.item as Uint8Array);
    },
    observe(listener: () => void): () => void {
      return observeRoots(doc, [requests, results, state, log], listener);
    },
  };
}

export type GatewayAdminDoc = ReturnType<typeof gatewayAdminDoc>;
