import { describe, expect, it } from 'vitest';
import type { DeviceId, SessionId } from '../ids.ts';
import { docsWithClients, syncDocs } from '../testkit/sync-docs.ts';
import { terminalDoc } from './terminal.ts';
import { OUTPUT_SEGMENT_CAP, SNAPSHOTS_KEPT } from './terminal-output.ts';

const OWNER = 'O'.repeat(43) as DeviceId;
const GATEWAY = 'G'.repeat(43) as DeviceId;
const GUEST = 'H'.repeat(43) as DeviceId;
const SESSION = 'SSSSSSSSSSSSSSSSSSSSSS' as SessionId;

function setup() {
  const t = terminalDoc(docsWithClients(1)[0]!, { now: () => 50 });
  t.init({ sessionId: SESSION, title: 'shell', gateway: GATEWAY, owner: OWNER, shell: '/bin/sh', cwd: '/home' });
  return t;
}

describe('terminal session', () => {
  it('holds metadata, size and who may type', () => {
    const t = setup();
    expect(t.info()).toEqual({ sessionId: SESSION, title: 'shell', gateway: GATEWAY, owner: OWNER, shell: '/bin/sh', cwd: '/home', createdAt: 50, state: 'requested' });
    t.setState('running');
    t.setSize(120, 40, GUEST);
    expect(t.size()).toEqual({ cols: 120, rows: 40, by: GUEST });
    expect(t.writers.canWrite(OWNER)).toBe(true);
    expect(t.writers.canWrite(GUEST)).toBe(false);
    t.writers.add(GUEST, OWNER);
    expect(t.writers.canWrite(GUEST)).toBe(true);
    expect(t.writers.list()).toEqual([{ device: GUEST, addedBy: OWNER, addedAt: 50 }]);
    t.writers.remove(GUEST);
    expect(t.writers.canWrite(GUEST)).toBe(false);
    expect(() => t.setSize(0, 10, GUEST)).toThrow(/cols/);
  });

  it('numbers output chunks across segments and reads from any sequence', () => {
    const t = setup();
    const n = OUTPUT_SEGMENT_CAP * 2 + 5;
    const chunk = (i: number): Uint8Array => new Uint8Array([i & 255, i >> 8]);
    expect(t.output.append(chunk(0))).toBe(0);
    expect(t.output.append(Array.from({ length: n - 1 }, (_, i) => chunk(i + 1)))).toBe(1);
    expect(t.output.end()).toBe(n);
    const tail = t.output.read(OUTPUT_SEGMENT_CAP - 2);
    expect(tail.map((c) => c.seq)).toEqual(Array.from({ length: n - OUTPUT_SEGMENT_CAP + 2 }, (_, i) => i + OUTPUT_SEGMENT_CAP - 2));
    expect(tail[0]!.bytes).toEqual(chunk(OUTPUT_SEGMENT_CAP - 2));
    expect(t.output.prune(OUTPUT_SEGMENT_CAP + 1)).toBe(1);
    expect(t.output.read(0)[0]!.seq).toBe(OUTPUT_SEGMENT_CAP);
    expect(t.output.prune(n)).toBe(1);
    expect(t.output.read(0)[0]!.seq).toBe(OUTPUT_SEGMENT_CAP * 2);
    expect(t.output.end()).toBe(n);
  });

  it('keeps only the last few snapshots', () => {
    const t = setup();
    for (let i = 1; i <= SNAPSHOTS_KEPT + 2; i++) t.snapshots.put({ coversSeq: i * 10, bytes: new Uint8Array([i]), by: GATEWAY });
    expect(t.snapshots.list().map((s) => s.coversSeq)).toEqual([30, 40, 50]);
    expect(t.snapshots.latest()).toEqual({ coversSeq: 50, bytes: new Uint8Array([5]), at: 50, by: GATEWAY });
  });

  it('converges on concurrent resizes and writer changes', () => {
    const [da, db] = docsWithClients(2) as [never, never];
    const a = terminalDoc(da);
    const b = terminalDoc(db);
    a.init({ sessionId: SESSION, title: 'shell', gateway: GATEWAY, owner: OWNER });
    syncDocs(da, db);
    a.setSize(80, 24, OWNER);
    b.setSize(100, 30, GUEST);
    a.writers.add(GUEST, OWNER);
    b.output.append(new Uint8Array([1]));
    syncDocs(da, db);
    expect(a.toJSON()).toEqual(b.toJSON());
    expect(b.writers.canWrite(GUEST)).toBe(true);
  });
});
