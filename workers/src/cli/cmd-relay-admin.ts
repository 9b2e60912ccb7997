/**
 * `tendril relay-admin keygen|kill|revive --relay URL --key FILE [--provider P]`:
 * the relay operator's kill switch for the relay's LLM proxy. `keygen` writes
 * a new Ed25519 operator key to FILE (PKCS#8 PEM, owner-only, never
 * overwritten) and prints its public half for the relay's
 * `--proxy-operator-key`. `kill` and `revive` send one request signed with
 * that key (crdt-schema wire/operator-proof.ts) to
 * `POST /v1/proxy/admin/kill|revive` for a provider, `fetch`, or `all` (the
 * default), and print which targets are off afterwards.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { OPERATOR_PROOF_HEADER, signOperatorRequest } from '@tendril/crdt-schema/wire';
import { flag, parseArgs, requireFlag } from './args.ts';
import type { CliContext } from './context.ts';

const USAGE = 'usage: tendril relay-admin keygen --key FILE | kill|revive --relay URL --key FILE [--provider all|openai|anthropic|gemini|fetch]';

/** Standard base64 of the raw 32-byte public key, as `--proxy-operator-key` takes it. */
export function operatorPublicKey(secret: KeyObject): string {
  const x = createPublicKey(secret).export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw new TendrilError('E_BAD_INPUT', 'not an Ed25519 key');
  return Buffer.from(x, 'base64url').toString('base64');
}

function readKey(path: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(path));
  } catch (e) {
    throw new TendrilError('E_BAD_INPUT', `cannot read the operator key ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new TendrilError('E_BAD_INPUT', `${path} is not an Ed25519 private key`);
  return key;
}

/** The relay's HTTP base URL from what users paste: http(s) as is, ws(s) mapped to http(s). */
function httpBase(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TendrilError('E_BAD_INPUT', `--relay is not a URL: ${text}`);
  }
  if (url.protocol === 'ws:' || url.protocol === 'wss:') url.protocol = url.protocol === 'ws:' ? 'http:' : 'https:';
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TendrilError('E_BAD_INPUT', '--relay must be an http(s) or ws(s) URL');
  return url;
}

export async function cmdRelayAdmin(ctx: CliContext, argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'keygen' && sub !== 'kill' && sub !== 'revive') throw new TendrilError('E_BAD_INPUT', USAGE);
  const args = parseArgs(rest, { values: ['relay', 'key', 'provider'] });
  const keyPath = resolve(ctx.cwd, requireFlag(args, 'key'));
  if (sub === 'keygen') {
    const { privateKey } = generateKeyPairSync('ed25519');
    try {
      writeFileSync(keyPath, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new TendrilError('E_BAD_INPUT', `${keyPath} exists; not overwritten`);
      throw e;
    }
    ctx.io.err(`operator key written to ${keyPath}; start the relay with --proxy-operator-key (or TENDRIL_PROXY_OPERATOR_KEY) set to:`);
    ctx.io.out(operatorPublicKey(privateKey));
    return 0;
  }
  const key = readKey(keyPath);
  const url = new URL(`/v1/proxy/admin/${sub}`, httpBase(requireFlag(args, 'relay')));
  const body = new TextEncoder().encode(JSON.stringify({ provider: flag(args, 'provider') ?? 'all' }));
  const proof = signOperatorRequest(
    { sign: (m) => new Uint8Array(sign(null, m, key)), now: ctx.now, randomBytes: (n) => new Uint8Array(randomBytes(n)), sha256: (b) => new Uint8Array(createHash('sha256').update(b).digest()) },
    { method: 'POST', path: url.pathname, body },
  );
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', [OPERATOR_PROOF_HEADER]: proof }, body, signal: AbortSignal.timeout(15_000) });
  } catch (e) {
    throw new TendrilError('E_OFFLINE', `cannot reach ${url.origin}: ${(e as Error).message}`);
  }
  const text = await res.text();
  let answer: { off?: string[]; error?: { code?: string; message?: string } };
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    answer = {};
  }
  if (res.status === 404) throw new TendrilError('E_BAD_INPUT', 'the relay has no admin routes: start it with --proxy-operator-key');
  if (!res.ok) throw new TendrilError('E_AUTH_FAILED', `the relay refused (${res.status} ${answer.error?.code ?? ''}): ${answer.error?.message ?? text.slice(0, 200)}`);
  ctx.io.out(`off: ${answer.off && answer.off.length > 0 ? answer.off.join(', ') : 'none'}`);
  return 0;
}
