/**
 * docs/PROTOCOL.md stays in step with the code: its tag table and frame
 * headings match FrameType, its varUint table matches lib0, and every hex
 * example is what the code produces.
 */
import { readFileSync } from 'node:fs';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import type { DocId } from '../ids.ts';
import { decodeFrame, encodeFrame } from './codec.ts';
import { CapMode, FrameType } from './frames.ts';
import type { Frame } from './frames.ts';
import { subscribeProofBytes } from './proofs.ts';

const spec = readFileSync(new URL('../../../docs/PROTOCOL.md', import.meta.url), 'utf8');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').replace(/(..)(?!$)/g, '$1 ');
const DOC = 'Ab12cdEf34ghIj56klMn78' as DocId;

describe('docs/PROTOCOL.md', () => {
  it('lists every frame tag and has a reference section per frame', () => {
    const rows = [...spec.matchAll(/^\| (\d+) \| (\w+) \| /gm)].map((m) => [m[2], Number(m[1])]);
    expect(Object.fromEntries(rows)).toEqual(FrameType);
    const headings = [...spec.matchAll(/^### (\d+) (\w+) \(/gm)].map((m) => [m[2], Number(m[1])]);
    expect(Object.fromEntries(headings)).toEqual(FrameType);
  });

  it('gives varUint examples that lib0 produces', () => {
    const rows = [...spec.matchAll(/^\| ([\d^ −]+) \| `([0-9a-f ]+)` \|$/gm)];
    expect(rows.length).toBeGreaterThanOrEqual(6);
    for (const [, value, bytes] of rows) {
      const n = value === '2^53 − 1' ? Number.MAX_SAFE_INTEGER : Number(value);
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, n);
      expect(hex(encoding.toUint8Array(e)), value).toBe(bytes);
    }
  });

  it('shows hex examples that the code produces, in order', () => {
    const blocks = [...spec.matchAll(/```hex\n([0-9a-f ]+)\n```/g)].map((m) => m[1]);
    const ack: Frame = { type: FrameType.Ack, doc: DOC, ref: 3, seq: 300 };
    const envelope: Frame = { type: FrameType.Envelope, doc: DOC, ref: 3, envelope: Uint8Array.from([1, 2, 3]) };
    const nonce = Uint8Array.from({ length: 32 }, (_, i) => i);
    expect(blocks).toEqual([
      hex(encodeFrame(ack)),
      hex(encodeFrame(envelope)),
      hex(subscribeProofBytes(nonce, DOC, CapMode.Write)),
    ]);
    expect(decodeFrame(Buffer.from(blocks[0]!.replaceAll(' ', ''), 'hex'))).toStrictEqual(ack);
    expect(spec).toContain(`As one WebSocket message of ${encodeFrame(ack).length} bytes`);
    expect(spec).toContain(`mode 1\n(write), ${subscribeProofBytes(nonce, DOC, CapMode.Write).length} bytes`);
  });
});
