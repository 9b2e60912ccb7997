/**
 * The locate frames (Locate, Located): how a fresh device holding only a
 * recovery phrase learns which workspace its phrase belongs to. Each `writeX`
 * writes the type tag and the fields in declaration order; each `readX` reads
 * the fields after the tag, which the dispatcher in codec.ts consumed.
 */
import { FrameType } from './frames.ts';
import type { LocatedFrame, LocateFrame } from './frames.ts';
import type { Decoder, Encoder } from './fields.ts';
import { malformed, readFixed, readUint, readWorkspaceId, unencodable, writeFixed, writeUint, writeWorkspaceId } from './fields.ts';
import { MAX_LOCATED_WORKSPACES, PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from './limits.ts';

export function writeLocate(e: Encoder, f: LocateFrame): void {
  writeUint(e, FrameType.Locate, 'Locate.type');
  writeUint(e, f.version, 'Locate.version');
  writeFixed(e, f.key, PUBLIC_KEY_BYTES, 'Locate.key');
  writeFixed(e, f.proof, SIGNATURE_BYTES, 'Locate.proof');
}

export function readLocate(d: Decoder): LocateFrame {
  const version = readUint(d, 'Locate.version');
  const key = readFixed(d, PUBLIC_KEY_BYTES, 'Locate.key');
  const proof = readFixed(d, SIGNATURE_BYTES, 'Locate.proof');
  return { type: FrameType.Locate, version, key, proof };
}

export function writeLocated(e: Encoder, f: LocatedFrame): void {
  writeUint(e, FrameType.Located, 'Located.type');
  const list: unknown = (f as { workspaces?: unknown } | null)?.workspaces;
  if (!Array.isArray(list) || list.length > MAX_LOCATED_WORKSPACES) throw unencodable('Located.workspaces', `expected at most ${MAX_LOCATED_WORKSPACES} ids`);
  writeUint(e, list.length, 'Located.workspaces');
  (list as LocatedFrame['workspaces']).forEach((w, i) => writeWorkspaceId(e, w, `Located.workspaces[${i}]`));
}

export function readLocated(d: Decoder): LocatedFrame {
  const at = d.pos;
  const n = readUint(d, 'Located.workspaces');
  if (n > MAX_LOCATED_WORKSPACES || n > d.arr.length - d.pos) throw malformed('Located.workspaces', at, `${n} ids do not fit (at most ${MAX_LOCATED_WORKSPACES})`);
  const workspaces = Array.from({ length: n }, (_, i) => readWorkspaceId(d, `Located.workspaces[${i}]`));
  return { type: FrameType.Located, workspaces };
}
