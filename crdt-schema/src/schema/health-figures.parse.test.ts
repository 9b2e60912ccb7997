/** A gateway's figures cross presence intact; what a hostile member sends instead is dropped or clamped. */
import { describe, expect, it } from 'vitest';
import { encodePeerPresence, parsePeerPresence, type PeerAnnouncement } from '../workspace/peer-announcement.ts';
import { HEALTH_FIGURE_LIMITS, parseHealthFigures, sameFigures, type HealthFigures } from './health-figures.ts';

const FIGURES: HealthFigures = { cpuPercent: 3.5, loadPercent: 42, memFreeBytes: 2 * 2 ** 30, memTotalBytes: 8 * 2 ** 30, diskFreeBytes: 40 * 2 ** 30, uptimeS: 3600 };

function announcement(figures: unknown): PeerAnnouncement {
  return { t: 'peer', kind: 'gateway', name: 'gw', host: 'h', version: '1', health: { status: 'ok', active: 1, figures: figures as HealthFigures }, every: 1000, at: 1, boot: 'b', seq: 0 };
}

describe('health figures', () => {
  it('travel in a peer announcement and read back the same', () => {
    const m = parsePeerPresence(encodePeerPresence(announcement(FIGURES)));
    expect(m?.t === 'peer' && m.health.figures).toEqual(FIGURES);
    expect(sameFigures(FIGURES, { ...FIGURES })).toBe(true);
    expect(sameFigures(FIGURES, { ...FIGURES, cpuPercent: 4 })).toBe(false);
  });

  it('are optional: an announcement without them, or without disk, still reads', () => {
    const m = parsePeerPresence(encodePeerPresence(announcement(undefined)));
    expect(m?.t === 'peer' && m.health).toEqual({ status: 'ok', active: 1 });
    const { diskFreeBytes: _, ...noDisk } = FIGURES;
    expect(parseHealthFigures(noDisk)).toEqual(noDisk);
  });

  it.each([
    ['a negative figure', { ...FIGURES, cpuPercent: -1 }],
    ['a string', { ...FIGURES, memTotalBytes: '8G' }],
    ['a missing figure', { ...FIGURES, uptimeS: undefined }],
    ['more free than total memory', { ...FIGURES, memFreeBytes: FIGURES.memTotalBytes + 1 }],
    ['a disk figure that is not a number', { ...FIGURES, diskFreeBytes: null }],
    ['not an object', [1, 2, 3]],
  ])('are dropped, not the peer, on %s', (_, figures) => {
    const m = parsePeerPresence(encodePeerPresence(announcement(figures)));
    expect(m?.t).toBe('peer');
    expect(m?.t === 'peer' && m.health.figures).toBeUndefined();
  });

  it('are clamped to bounds no machine reaches', () => {
    const f = parseHealthFigures({ ...FIGURES, cpuPercent: 1e12, uptimeS: 1e15, memFreeBytes: 1e30, memTotalBytes: 1e30 });
    expect(f).toMatchObject({ cpuPercent: HEALTH_FIGURE_LIMITS.percent, uptimeS: HEALTH_FIGURE_LIMITS.seconds, memTotalBytes: HEALTH_FIGURE_LIMITS.bytes });
  });
});
