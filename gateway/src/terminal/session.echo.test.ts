/** A real shell behind the whole engine: echo reaches the stream and the mirror, seqs are contiguous, replay is exact. */
import { afterEach, describe, expect, it } from 'vitest';
import { concatBytes, type OutputBatch } from './output-batch.ts';
import type { TerminalSession } from './session.ts';
import { startShellSession, waitFor, WRITER } from './test-support.ts';

const sessions: TerminalSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.end()));
});

const text = (batches: readonly OutputBatch[]): string => Buffer.from(concatBytes(batches.map((b) => b.bytes))).toString('utf8');

describe('a shell session', () => {
  it('echoes a canary into the stream and the mirror, with contiguous seqs and exact replay', async () => {
    const session = await startShellSession();
    sessions.push(session);
    const sub = session.subscribe({ fromSeq: 0 });
    if (sub.kind !== 'subscribed') throw new Error('fresh stream must be replayable from 0');
    const seen: OutputBatch[] = [];
    sub.subscription.on('readable', () => seen.push(...sub.subscription.take()));

    let counter = 0;
    const type = (s: string): void => {
      const d = session.input({ session: session.id, counter: ++counter, device: WRITER, data: new TextEncoder().encode(s) });
      expect(d.ok).toBe(true);
    };
    type('echo can""ary-4711\r');
    await waitFor(() => text(seen).includes('canary-4711'), 'canary in the stream');
    await waitFor(async () => (await session.screenText()).includes('canary-4711'), 'canary in the mirror');

    seen.forEach((b, i) => {
      expect(b.seq).toBe(i);
      expect(b.offset).toBe(i === 0 ? 0 : seen[i - 1]!.offset + seen[i - 1]!.bytes.length);
    });

    const from = Math.floor(seen.length / 2);
    const replay = session.stream.replay(from);
    if (replay.kind !== 'batches') throw new Error('replay should be held');
    expect(text(replay.batches)).toBe(text(seen.slice(from)));
    expect(replay.batches.map((b) => b.seq)).toEqual(seen.slice(from).map((b) => b.seq));
  });
});
