/**
 * Compares the final states of all peers: per document, the canonical state
 * (canonical.ts) and the Yjs state vector must equal those of peer 0. The
 * first difference is reported with a path into the state, readably.
 */
import * as Y from 'yjs';
import type { DocId } from '../ids.ts';
import { canonicalDoc } from './canonical.ts';
import type { Peer } from './peers.ts';

export interface Difference {
  readonly path: string;
  readonly expected: unknown;
  readonly actual: unknown;
}

export interface Divergence extends Difference {
  readonly docId: DocId;
  /** The peer that differs from the reference peer. */
  readonly peer: number;
  readonly reference: number;
  readonly what: 'state' | 'state vector';
}

/** The first place two plain JSON values differ, or undefined when equal. */
export function firstDifference(expected: unknown, actual: unknown, path = '$'): Difference | undefined {
  if (Object.is(expected, actual)) return undefined;
  if (Array.isArray(expected) && Array.isArray(actual)) {
    for (let i = 0; i < Math.min(expected.length, actual.length); i++) {
      const d = firstDifference(expected[i], actual[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    return expected.length === actual.length ? undefined : { path: `${path}.length`, expected: expected.length, actual: actual.length };
  }
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(expected) && isObj(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
    for (const k of keys) {
      const d = firstDifference(expected[k], actual[k], `${path}.${k}`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return { path, expected, actual };
}

function stateVector(peer: Peer, docId: DocId): Record<string, number> {
  const doc = peer.docs.get(docId);
  const sv = doc === undefined ? new Map<number, number>() : Y.decodeStateVector(Y.encodeStateVector(doc));
  return Object.fromEntries([...sv.entries()].sort((a, b) => a[0] - b[0]).map(([client, clock]) => [`client ${client}`, clock]));
}

function stateOf(peer: Peer, docId: DocId): unknown {
  const doc = peer.docs.get(docId);
  return doc === undefined ? null : canonicalDoc(doc);
}

/** The first divergence between peer 0 and any other peer, over every document any of them holds. */
export function comparePeers(peers: readonly Peer[], docIds: readonly DocId[]): Divergence | undefined {
  const [reference, ...others] = peers;
  if (reference === undefined) return undefined;
  for (const docId of docIds) {
    const expectedState = stateOf(reference, docId);
    const expectedVector = stateVector(reference, docId);
    for (const peer of others) {
      const base = { docId, peer: peer.index, reference: reference.index };
      const v = firstDifference(expectedVector, stateVector(peer, docId));
      if (v !== undefined) return { ...base, ...v, what: 'state vector' };
      const s = firstDifference(expectedState, stateOf(peer, docId));
      if (s !== undefined) return { ...base, ...s, what: 'state' };
    }
  }
  return undefined;
}

const show = (v: unknown): string => {
  const text = JSON.stringify(v);
  return text === undefined ? 'undefined' : text.length > 200 ? `${text.slice(0, 200)}...` : text;
};

export function describeDivergence(d: Divergence): string {
  return [
    `peer ${d.peer} differs from peer ${d.reference} in the ${d.what} of document ${d.docId}`,
    `  at ${d.path}`,
    `  peer ${d.reference}: ${show(d.expected)}`,
    `  peer ${d.peer}: ${show(d.actual)}`,
  ].join('\n');
}
