/**
 * The handshake frames: Challenge (relay), Hello (client), Welcome (relay).
 * Each `writeX` writes the type tag and the fields in declaration order; each
 * `readX` reads the fields after the tag, which the dispatcher in codec.ts consumed.
 */
import { FrameType } from './frames.ts';
import type { ChallengeFrame, HelloFrame, WelcomeFrame } from './frames.ts';
import type { Decoder, Encoder } from './fields.ts';
import {
  malformed,
  readDeviceId,
  readFixed,
  readFlag,
  readText,
  readUint,
  readWorkspaceId,
  unencodable,
  writeDeviceId,
  writeFixed,
  writeFlag,
  writeText,
  writeUint,
  writeWorkspaceId,
} from './fields.ts';
import { MAX_ADDRESS_BYTES, MAX_ADMINS, MAX_LABEL_BYTES, NONCE_BYTES, PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from './limits.ts';

export function writeChallenge(e: Encoder, f: ChallengeFrame): void {
  writeUint(e, FrameType.Challenge, 'Challenge.type');
  writeUint(e, f.version, 'Challenge.version');
  writeFixed(e, f.nonce, NONCE_BYTES, 'Challenge.nonce');
}

export function readChallenge(d: Decoder): ChallengeFrame {
  const version = readUint(d, 'Challenge.version');
  const nonce = readFixed(d, NONCE_BYTES, 'Challenge.nonce');
  return { type: FrameType.Challenge, version, nonce };
}

export function writeHello(e: Encoder, f: HelloFrame): void {
  writeUint(e, FrameType.Hello, 'Hello.type');
  writeUint(e, f.version, 'Hello.version');
  writeWorkspaceId(e, f.workspace, 'Hello.workspace');
  writeDeviceId(e, f.device, 'Hello.device');
  writeFixed(e, f.proof, SIGNATURE_BYTES, 'Hello.proof');
  writeText(e, f.client, MAX_LABEL_BYTES, 'Hello.client');
  writeText(e, f.accessCode, MAX_LABEL_BYTES, 'Hello.accessCode');
  writeFlag(e, f.register !== undefined, 'Hello.register');
  if (f.register === undefined) return;
  const admins: unknown = (f.register as { admins?: unknown } | null)?.admins;
  if (!Array.isArray(admins)) throw unencodable('Hello.register.admins', 'not an array');
  if (admins.length < 1 || admins.length > MAX_ADMINS) {
    throw unencodable('Hello.register.admins', `${admins.length} keys, expected 1 to ${MAX_ADMINS}`);
  }
  writeUint(e, admins.length, 'Hello.register.admins');
  admins.forEach((key: Uint8Array, i) => writeFixed(e, key, PUBLIC_KEY_BYTES, `Hello.register.admins[${i}]`));
}

export function readHello(d: Decoder): HelloFrame {
  const version = readUint(d, 'Hello.version');
  const workspace = readWorkspaceId(d, 'Hello.workspace');
  const device = readDeviceId(d, 'Hello.device');
  const proof = readFixed(d, SIGNATURE_BYTES, 'Hello.proof');
  const client = readText(d, MAX_LABEL_BYTES, 'Hello.client');
  const accessCode = readText(d, MAX_LABEL_BYTES, 'Hello.accessCode');
  const frame: HelloFrame = { type: FrameType.Hello, version, workspace, device, proof, client, accessCode };
  if (readFlag(d, 'Hello.register')) frame.register = { admins: readAdmins(d) };
  return frame;
}

function readAdmins(d: Decoder): Uint8Array[] {
  const at = d.pos;
  const count = readUint(d, 'Hello.register.admins');
  if (count < 1 || count > MAX_ADMINS) {
    throw malformed('Hello.register.admins', at, `${count} keys, expected 1 to ${MAX_ADMINS}`);
  }
  if (count * PUBLIC_KEY_BYTES > d.arr.length - d.pos) {
    throw malformed('Hello.register.admins', at, `${count} keys need ${count * PUBLIC_KEY_BYTES} bytes, ${d.arr.length - d.pos} remain`);
  }
  const admins: Uint8Array[] = [];
  for (let i = 0; i < count; i++) admins.push(readFixed(d, PUBLIC_KEY_BYTES, `Hello.register.admins[${i}]`));
  return admins;
}

export function writeWelcome(e: Encoder, f: WelcomeFrame): void {
  writeUint(e, FrameType.Welcome, 'Welcome.type');
  writeUint(e, f.version, 'Welcome.version');
  writeUint(e, f.serverTime, 'Welcome.serverTime');
  writeUint(e, f.maxFrameBytes, 'Welcome.maxFrameBytes');
  writeText(e, f.address, MAX_ADDRESS_BYTES, 'Welcome.address');
}

export function readWelcome(d: Decoder): WelcomeFrame {
  const version = readUint(d, 'Welcome.version');
  const serverTime = readUint(d, 'Welcome.serverTime');
  const maxFrameBytes = readUint(d, 'Welcome.maxFrameBytes');
  const address = readText(d, MAX_ADDRESS_BYTES, 'Welcome.address');
  return { type: FrameType.Welcome, version, serverTime, maxFrameBytes, address };
}
