/**
 * `seq 1 2000` over and over through a real PTY until the viewers have been
 * cut off 200 times (the mirror never slows the shell, so the flood lasts as
 * long as the disconnects need, not a fixed size), while viewers are cut off and
 * come back, by replay when the ring still holds their position and by
 * snapshot + replay when it does not. Every viewer must end with the
 * gateway's screen, and every batch it applied must continue the previous one
 * (no byte lost or doubled).
 */
import { writeFileSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { createPrng, testSeed } from '@tendril/crdt-schema/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { TerminalSession } from './session.ts';
import { startShellSession, TestViewer, waitFor, WRITER } from './test-support.ts';

const DISCONNECTS = 200;
const VIEWERS = 8;
const RING = 64 * 1024;
const sessions: TerminalSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.end()));
});

describe('an output flood with viewers coming and going', () => {
  it('keeps every viewer byte-exact and converges on the gateway screen', async () => {
    const prng = createPrng(testSeed('gateway/src/terminal/session.flood.test.ts'));
    const session = await startShellSession({
      stream: { maxBatchBytes: 1024, ringBytes: RING },
      mirror: { highWaterBytes: 16 * 1024, rebuildBytes: 8 * 1024 },
    });
    sessions.push(session);
    let disconnects = 0;
    let floodOver = false;
    const resumed = { replay: 0, snapshot: 0 };

    const watch = async (viewer: TestViewer): Promise<void> => {
      let join = await session.join({ fromSeq: 0, maxQueuedBytes: 64 * 1024 * 1024 });
      for (;;) {
        if (join.snapshot !== undefined) await viewer.restore(join.snapshot);
        const sub = join.subscription;
        let cut = false;
        for (let b = await sub.next(); b !== undefined; b = await sub.next()) {
          viewer.apply(b);
          if (disconnects < DISCONNECTS && prng.bool(0.5)) {
            disconnects++;
            if (disconnects === DISCONNECTS) writeFileSync(joinPath(session.info().cwd, 'stop'), '');
            sub.close();
            cut = true;
            break;
          }
        }
        if (!cut) return;
        if (disconnects % 2 === 0) {
          const until = session.stream.next.offset + RING + 1024;
          await waitFor(() => session.stream.next.offset >= until || floodOver, 'the ring to move on');
        }
        join = await session.join({ fromSeq: viewer.next.seq, maxQueuedBytes: 64 * 1024 * 1024 });
        resumed[join.snapshot === undefined ? 'replay' : 'snapshot']++;
      }
    };

    const viewers = Array.from({ length: VIEWERS }, () => new TestViewer());
    const watching = Promise.all(viewers.map(watch));
    const data = new TextEncoder().encode('while [ ! -e stop ]; do seq 1 2000; done; echo flood-""done\r');
    expect(session.input({ session: session.id, counter: 1, device: WRITER, data }).ok).toBe(true);
    await waitFor(async () => /^2000\nflood-done\n\$ ?$/m.test(await session.screenText()), 'the flood to finish', 60_000);
    floodOver = true;
    // Ending the shell ends every subscription once drained, so each viewer returns.
    await session.end();
    await watching;

    const gateway = await session.screenText();
    expect(gateway).toMatch(/^1979\n(.*\n)*2000\nflood-done/m);
    console.log(`disconnects ${disconnects}, resumed by replay ${resumed.replay}, by snapshot ${resumed.snapshot}`);
    expect(disconnects).toBe(DISCONNECTS);
    expect(resumed.replay).toBeGreaterThan(0);
    expect(resumed.snapshot).toBeGreaterThan(0);
    for (const v of viewers) {
      expect(v.next).toEqual(session.stream.next);
      expect(await v.text()).toBe(gateway);
    }
  });
});
