import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import type { DeviceId, DocId } from '../ids.ts';
import { workspaceDoc } from '../schema/index.ts';
import { comparePeers, describeDivergence, firstDifference } from './compare.ts';
import { Peer } from './peers.ts';

const DOC = 'DDDDDDDDDDDDDDDDDDDDDD' as DocId;

describe('state comparison', () => {
  it('finds the first difference with a readable path', () => {
    expect(firstDifference({ a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] })).toBeUndefined();
    expect(firstDifference({ a: [1, { b: 'x' }] }, { a: [1, { b: 'y' }] })).toEqual({ path: '$.a[1].b', expected: 'x', actual: 'y' });
    expect(firstDifference([1, 2], [1, 2, 3])).toEqual({ path: '$.length', expected: 2, actual: 3 });
    expect(firstDifference({ a: 1 }, { a: 1, z: 2 })).toEqual({ path: '$.z', expected: undefined, actual: 2 });
  });

  it('reports peers that hold different states of a document', () => {
    const peers = [new Peer(0, 'A'.repeat(43) as DeviceId), new Peer(1, 'B'.repeat(43) as DeviceId)];
    const ws = workspaceDoc(peers[0]!.doc(DOC));
    ws.chats.create({ title: 'same' });
    Y.applyUpdate(peers[1]!.doc(DOC), Y.encodeStateAsUpdate(peers[0]!.doc(DOC)));
    expect(comparePeers(peers, [DOC])).toBeUndefined();

    workspaceDoc(peers[1]!.doc(DOC)).rename('only on peer 1');
    const d = comparePeers(peers, [DOC]);
    expect(d).toMatchObject({ peer: 1, reference: 0, what: 'state vector', docId: DOC });
    Y.applyUpdate(peers[0]!.doc(DOC), Y.encodeStateAsUpdate(peers[1]!.doc(DOC)));
    expect(comparePeers(peers, [DOC])).toBeUndefined();
    expect(describeDivergence(d!)).toContain(`peer 1 differs from peer 0 in the state vector of document ${DOC}`);
  });
});
