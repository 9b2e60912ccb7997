/**
 * Integration: a subscriber that stops reading costs the relay a bounded
 * number of bytes, not a page of entries of any size. Its catch-up pauses
 * (one page of at most catchUpPageBytes plus one entry read from the store,
 * and the socket's queue near the high-water mark), and resumes losing
 * nothing when the peer reads again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CapMode, FrameType } from '@tendril/crdt-schema/wire';
import { relayHarness } from '../testing/harness.ts';
import { makeEnvelope } from '../testing/envelopes.ts';
import { barrier, createDoc, range } from '../testing/docs.ts';
import { metric } from '../testing/metrics.ts';
import { waitFor } from '../testing/wait.ts';

const h = relayHarness();
afterEach(() => h.cleanup());
const KiB = 1024;

describe('catch-up memory', () => {
  it('pauses the catch-up of a reader that does not read, holding at most one byte-bounded page', { timeout: 60_000 }, async () => {
    const pageBytes = 128 * KiB;
    const entryBytes = 64 * KiB;
    const maxBufferedBytes = 512 * KiB;
    const relay = await h.start({ limits: { framesPerSecond: 100_000, frameBurst: 100_000, catchUpPageBytes: pageBytes, maxBufferedBytes } });
    const w = await h.member(relay);
    const { doc, caps } = await createDoc(w.client);
    // 480 entries of 64 KiB (30 MiB): more than loopback socket buffers hold, so the relay has to wait.
    const total = 480;
    for (let counter = 1; counter <= total; counter += 40) {
      for (const c of range(counter, counter + 39)) {
        w.client.send({ type: FrameType.Envelope, doc, ref: c, envelope: makeEnvelope({ doc, author: w.device, counter: c, size: entryBytes }) });
      }
      await barrier(w.client);
    }
    const slow = await h.member(relay, w.workspace);
    slow.client.sendSubscribe(doc, caps, CapMode.Read, 0);
    slow.client.ws.pause();

    await waitFor(async () => (await metric(relay.url, 'tendril_relay_catchups_waiting')) === 1, 'the catch-up to pause', 20_000);
    const held = await metric(relay.url, 'tendril_relay_catchup_bytes');
    const queued = await metric(relay.url, 'tendril_relay_buffered_bytes');
    expect(held, 'page bytes held').toBeGreaterThan(0);
    expect(held, 'page bytes held').toBeLessThanOrEqual(pageBytes + entryBytes);
    expect(queued, 'bytes queued to the socket').toBeLessThanOrEqual(maxBufferedBytes);
    expect(slow.client.isOpen).toBe(true);

    slow.client.ws.resume();
    const seen = await slow.client.catchUp(doc, 30_000);
    expect(seen.frames.map((f) => f.type === FrameType.Entry && f.seq)).toEqual(range(1, total));
    expect(await metric(relay.url, 'tendril_relay_catchup_bytes')).toBe(0);
  });

  it('holds one page per connection however many documents it follows', { timeout: 60_000 }, async () => {
    const pageBytes = 128 * KiB;
    const entryBytes = 64 * KiB;
    const relay = await h.start({ limits: { framesPerSecond: 100_000, frameBurst: 100_000, catchUpPageBytes: pageBytes, maxBufferedBytes: 512 * KiB } });
    const w = await h.member(relay);
    const docs = [];
    for (let d = 0; d < 4; d++) {
      const { doc, caps } = await createDoc(w.client);
      for (let counter = 1; counter <= 160; counter += 40) {
        for (const c of range(counter, counter + 39)) {
          w.client.send({ type: FrameType.Envelope, doc, ref: c, envelope: makeEnvelope({ doc, author: w.device, counter: c, size: entryBytes }) });
        }
        await barrier(w.client);
      }
      docs.push({ doc, caps });
    }
    const slow = await h.member(relay, w.workspace);
    for (const { doc, caps } of docs) slow.client.sendSubscribe(doc, caps, CapMode.Read, 0);
    slow.client.ws.pause();
    await waitFor(async () => (await metric(relay.url, 'tendril_relay_catchups_waiting')) >= 1, 'the catch-up to pause', 20_000);
    expect(await metric(relay.url, 'tendril_relay_catchup_bytes')).toBeLessThanOrEqual(pageBytes + entryBytes);
    slow.client.ws.resume();
    for (const { doc } of docs) {
      const seen = await slow.client.catchUp(doc, 30_000);
      expect(seen.frames.map((f) => f.type === FrameType.Entry && f.seq)).toEqual(range(1, 160));
    }
  });
});
