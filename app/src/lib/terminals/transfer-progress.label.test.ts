import { describe, expect, it } from 'vitest';
import { formatBytes, transferLabel } from './transfer-progress.ts';

describe('transfer progress words', () => {
  it('formats byte counts', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(20 * 1024 * 1024)).toBe('20.0 MB');
  });
  it('says how far a transfer got, or that it is starting', () => {
    expect(transferLabel({ verb: 'Uploading', name: 'a.bin', done: 0, total: 0 })).toBe('Uploading a.bin…');
    expect(transferLabel({ verb: 'Uploading', name: 'a.bin', done: 1_300_000, total: 3_250_000 })).toBe('Uploading a.bin: 40% of 3.1 MB');
    expect(transferLabel({ verb: 'Downloading', name: 'b', done: 10, total: 10 })).toBe('Downloading b: 100% of 10 B');
  });
});
