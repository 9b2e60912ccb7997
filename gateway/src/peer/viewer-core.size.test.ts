/**
 * The viewer's window-size bookkeeping over a stand-in document link: Size
 * and Viewport frames are ephemeral, so a lost one must not leave a viewer
 * at a stale size or a writer's window unknown to the gateway.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { terminalDoc, type SessionEntry } from '@tendril/crdt-schema/schema';
import type { DeviceId } from '@tendril/crdt-schema/ids';
import { decodeTerm, encodeTerm, TermTag, type TermMessage } from './term-messages.ts';
import { ViewerCore } from './viewer-core.ts';

const GATEWAY = 'gw-device' as DeviceId;

/** A document link that records what the viewer sends and lets the test play the gateway. */
function standIn() {
  const ydoc = new Y.Doc();
  const handlers = new Map<string, ((...a: unknown[]) => void)[]>();
  const sent: TermMessage[] = [];
  const sync = {
    ydoc,
    sendStream: (payload: Uint8Array) => (sent.push(decodeTerm(payload)!), true),
    on: (event: string, f: (...a: unknown[]) => void) => handlers.set(event, [...(handlers.get(event) ?? []), f]),
    off: (event: string, f: (...a: unknown[]) => void) => handlers.set(event, (handlers.get(event) ?? []).filter((g) => g !== f)),
    whenSynced: async () => {},
  };
  const emit = (event: string, ...a: unknown[]): void => {
    for (const f of handlers.get(event) ?? []) f(...a);
  };
  const session = { peer: { openDoc: async () => sync }, connect: () => {}, home: { identity: { deviceId: 'me' } } };
  const fromGateway = (m: TermMessage): void => emit('stream', GATEWAY, encodeTerm(m));
  return { ydoc, sent, emit, session, fromGateway };
}

function viewer(link: ReturnType<typeof standIn>) {
  const sizes: string[] = [];
  const screen = { write: async () => {}, reset: (c: number, r: number) => void sizes.push(`reset ${c}x${r}`), resize: (c: number, r: number) => void sizes.push(`${c}x${r}`) };
  const entry = { id: 'session-1', docId: 'doc-1', gateway: GATEWAY } as unknown as SessionEntry;
  const core = new ViewerCore({ crypto: {} as never, session: link.session as never, entry, screen, gunzip: async (g) => g });
  return { core, sizes };
}

describe('viewer window sizes', () => {
  it('takes a size the gateway recorded in the document when its Size frame never came', async () => {
    const link = standIn();
    const { core, sizes } = viewer(link);
    await core.open();
    link.fromGateway({ t: TermTag.Output, seq: 0, offset: 0, bytes: new Uint8Array([0x24]) });
    link.fromGateway({ t: TermTag.Live, seq: 1 });
    await core.whenLive(1000);
    // The gateway resized the shell: its Size frame was lost, the document says so durably.
    terminalDoc(link.ydoc).setSize(91, 33, GATEWAY);
    await core.settled();
    expect(sizes.at(-1)).toBe('91x33');
    // A size no terminal can have (written by anyone with the document's keys) is not taken.
    link.ydoc.getMap('session').set('size', { cols: 100_000, rows: 2, by: GATEWAY });
    await core.settled();
    expect(sizes.at(-1)).toBe('91x33');
  });

  it('tells the gateway its window again with every join', async () => {
    const link = standIn();
    const { core } = viewer(link);
    await core.open();
    core.viewport(120, 40);
    link.sent.length = 0;
    // The connection drops and comes back: the viewer joins again and repeats its window size.
    link.emit('status', { state: 'offline' });
    link.emit('status', { state: 'synced' });
    expect(link.sent.map((m) => m.t)).toEqual([TermTag.Join, TermTag.Viewport]);
    expect(link.sent[1]).toMatchObject({ cols: 120, rows: 40 });
  });
});
