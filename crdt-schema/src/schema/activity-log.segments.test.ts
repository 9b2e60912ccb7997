import { describe, expect, it } from 'vitest';
import type { DeviceId, PluginId } from '../ids.ts';
import { docsWithClients, syncDocs } from '../testkit/sync-docs.ts';
import { ACTIVITY_SEGMENT_CAP, type ActivityInput } from './activity-log.ts';
import { PERMISSIONS } from './keys.ts';
import { permissionsDoc } from './permissions.ts';

const A = 'A'.repeat(43) as DeviceId;
const B = 'B'.repeat(43) as DeviceId;
const PLUGIN = 'PPPPPPPPPPPPPPPPPPPPPP' as PluginId;
const entry = (at: number, detail?: string): ActivityInput => ({ plugin: PLUGIN, permission: 'read-chats', resource: '*', outcome: 'allowed', at, detail });

describe('activity log', () => {
  it('splits a device log into capped segments and reads it back in order', () => {
    const [doc] = docsWithClients(1);
    const p = permissionsDoc(doc!);
    const n = ACTIVITY_SEGMENT_CAP * 2 + 10;
    for (let i = 0; i < n; i += 100) p.activity.append(A, Array.from({ length: Math.min(100, n - i) }, (_, k) => entry(i + k)));
    expect(p.activity.segmentCount(A)).toBe(3);
    const sizes = Array.from(doc!.getMap<{ length: number }>(PERMISSIONS.activity).values()).map((s) => s.length);
    expect(sizes.sort((x, y) => y - x)).toEqual([ACTIVITY_SEGMENT_CAP, ACTIVITY_SEGMENT_CAP, 10]);
    const read = p.activity.read();
    expect(read).toHaveLength(n);
    expect(read.map((e) => e.index)).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it('merges two devices by (time, device, index) identically on both peers', () => {
    const [da, db] = docsWithClients(2) as [never, never];
    const a = permissionsDoc(da);
    const b = permissionsDoc(db);
    for (let i = 0; i < 600; i++) {
      a.activity.append(A, entry(i * 2, 'a'));
      b.activity.append(B, entry(i * 3, 'b'));
      if (i % 97 === 0) syncDocs(da, db);
    }
    a.activity.append(A, entry(5, 'tie'));
    b.activity.append(B, entry(5, 'tie'));
    syncDocs(da, db);
    const merged = a.activity.read();
    expect(merged).toEqual(b.activity.read());
    expect(merged).toHaveLength(1202);
    for (let i = 1; i < merged.length; i++) {
      const [x, y] = [merged[i - 1]!, merged[i]!];
      expect(x.at < y.at || (x.at === y.at && (x.device < y.device || (x.device === y.device && x.index < y.index)))).toBe(true);
    }
    expect(a.activity.segmentCount(B)).toBe(2);
  });

  it('rejects malformed entries', () => {
    const p = permissionsDoc(docsWithClients(1)[0]!);
    expect(() => p.activity.append(A, { ...entry(1), outcome: 'maybe' as never })).toThrow(/outcome/);
    expect(() => p.activity.append(A, [])).toThrow(/nothing/);
    expect(p.activity.read()).toEqual([]);
  });
});
