/**
 * The acceptance suite every Fanout implementation runs: members joined to
 * one bus hear each other's messages, every kind whole and in publish order,
 * never their own, and nothing once closed. `join` returns a new member of
 * the bus under test (the suite closes them).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { newDocId, newGuestLinkId, newWorkspaceId } from '@tendril/crdt-schema/ids';
import { FrameType } from '@tendril/crdt-schema/wire';
import { testKey } from '../testing/keys.ts';
import { waitFor } from '../testing/wait.ts';
import type { Fanout, FanoutMessage } from './types.ts';

interface Heard {
  readonly fanout: Fanout;
  readonly got: FanoutMessage[];
}

export function runFanoutTests(name: string, join: () => Promise<Fanout>): void {
  describe(`Fanout acceptance: ${name}`, () => {
    const open: Fanout[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((f) => f.close()));
    });
    const member = async (): Promise<Heard> => {
      const fanout = await join();
      open.push(fanout);
      const got: FanoutMessage[] = [];
      await fanout.start({ message: (m) => got.push(m), resync: () => undefined });
      return { fanout, got };
    };

    it('says it is shared, and delivers every kind of message to the other members, not back to the sender', async () => {
      const [a, b, c] = [await member(), await member(), await member()];
      expect(a.fanout.shared).toBe(true);
      const doc = newDocId();
      const messages: FanoutMessage[] = [
        { kind: 'appended', doc, seq: 7 },
        { kind: 'frame', frame: { type: FrameType.Presence, doc, from: testKey().id, payload: Uint8Array.of(1, 2, 3) } },
        { kind: 'frame', frame: { type: FrameType.Stream, doc, from: testKey().id, to: '', payload: new Uint8Array(100_000).fill(9) } },
        { kind: 'frame', frame: { type: FrameType.SnapshotStored, doc, seq: 5 } },
        { kind: 'revoked', workspace: newWorkspaceId(), device: testKey().id },
        { kind: 'caps', doc },
        { kind: 'guestEnded', link: newGuestLinkId(), visitor: '' },
        { kind: 'guestAnswering', relay: 'AAAAAAAAAAAAAAAAAAAAAA', links: [newGuestLinkId(), newGuestLinkId()], ttlMs: 15_000 },
      ];
      for (const m of messages) a.fanout.publish(m);
      await waitFor(() => b.got.length === messages.length && c.got.length === messages.length, 'both members to hear every message');
      expect(b.got).toEqual(messages);
      expect(c.got).toEqual(messages);
      // A marker from b, heard by a, shows a had time to hear its own messages too.
      b.fanout.publish({ kind: 'caps', doc });
      await waitFor(() => a.got.length === 1, 'a to hear b');
      expect(a.got).toEqual([{ kind: 'caps', doc }]);
    });

    it('keeps one member\'s messages in publish order', async () => {
      const [a, b] = [await member(), await member()];
      const doc = newDocId();
      for (let seq = 1; seq <= 500; seq++) a.fanout.publish({ kind: 'appended', doc, seq });
      await waitFor(() => b.got.length === 500, 'all 500 notices');
      expect(b.got.map((m) => (m.kind === 'appended' ? m.seq : 0))).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    });

    it('neither sends nor hears once closed', async () => {
      const [a, b, c] = [await member(), await member(), await member()];
      const doc = newDocId();
      await b.fanout.close();
      a.fanout.publish({ kind: 'appended', doc, seq: 1 });
      b.fanout.publish({ kind: 'appended', doc, seq: 2 });
      a.fanout.publish({ kind: 'appended', doc, seq: 3 });
      await waitFor(() => c.got.length === 2, 'c to hear a');
      expect(c.got.map((m) => (m.kind === 'appended' ? m.seq : 0))).toEqual([1, 3]);
      expect(b.got).toEqual([]);
    });
  });
}
