import { describe, expect, it } from 'vitest';
import type { DeviceId } from '../ids.ts';
import { RelayLedger } from './relay-ledger.ts';

const a = 'A'.repeat(43) as DeviceId;
const b = 'B'.repeat(43) as DeviceId;

describe('RelayLedger', () => {
  it('keeps each seq once, first note winning, in seq order, across growth and late notes', () => {
    let clock = 1_000;
    const ledger = new RelayLedger(() => clock++);
    for (let seq = 1; seq <= 1_000; seq++) if (seq % 10 !== 0) ledger.entry(seq, seq * 2, seq % 3 === 0 ? b : a, seq % 2 === 0 ? 'sent' : 'received');
    // Late notes of the seqs skipped above (a held entry applied after later ones), then replays.
    for (let seq = 10; seq <= 1_000; seq += 10) ledger.entry(seq, 7, b, 'received');
    ledger.entry(5, 999, b, 'sent');
    ledger.entry(20, 999, a, 'sent');
    ledger.entry(1_000, 999, a, 'sent');
    const entries = ledger.entries;
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 1));
    expect(entries[4]).toMatchObject({ seq: 5, bytes: 10, author: a, direction: 'received' });
    expect(entries[5]).toMatchObject({ seq: 6, bytes: 12, author: b, direction: 'sent' });
    expect(entries[19]).toMatchObject({ seq: 20, bytes: 7, author: b, direction: 'received' });
    expect(entries[999]).toMatchObject({ seq: 1_000, bytes: 7, author: b });
    expect(entries[0]!.at).toBe(1_000);
  });

  it('a seq noted late is not noted again when it comes in order afterwards', () => {
    const ledger = new RelayLedger(() => 0);
    ledger.entry(3, 1, a, 'received');
    ledger.entry(1, 1, a, 'received');
    ledger.entry(1, 2, b, 'sent');
    ledger.entry(4, 1, a, 'received');
    expect(ledger.entries.map((e) => [e.seq, e.bytes])).toEqual([[1, 1], [3, 1], [4, 1]]);
  });
});
