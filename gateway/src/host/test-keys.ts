/** Real OpenSSH public key lines for tests (ed25519 keys made on the spot). */
import { generateKeyPairSync } from 'node:crypto';

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/** `ssh-ed25519 BASE64 comment` of a fresh key. */
export function ed25519Line(comment = 'test@host'): string {
  const der = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' });
  const blob = Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(der.subarray(der.length - 32))]);
  return `ssh-ed25519 ${blob.toString('base64')}${comment ? ` ${comment}` : ''}`;
}
