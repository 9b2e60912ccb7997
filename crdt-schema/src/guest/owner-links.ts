/**
 * Making and reading the owner's side of a guest link, shared by the CLI and
 * the app: fresh keys for a link, its settings entry, the keys back from an
 * entry, the link text to share, and registering it at the relay.
 */
import { formatGuestLink } from '../crypto/guest-link.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { secret } from '../crypto/secret.ts';
import { fromBase64Url, newGuestLinkId, toBase64Url, type AgentId, type GuestLinkId } from '../ids.ts';
import type { GuestLinkSettings } from '../schema/settings-guests.ts';
import { AGENT_TOOLS, type AgentToolName } from '../schema/settings-agents.ts';
import { TendrilError } from '../errors.ts';
import { guestCodeVerifier, normalizeGuestCode } from '../wire/guest-proofs.ts';
import type { GuestOwner, OwnerLinkKeys } from './owner-client.ts';

export interface NewGuestLink {
  readonly agent: AgentId;
  readonly relay: string;
  readonly code?: string;
  /** 0 = never. */
  readonly expiresInMs: number;
  readonly maxVisitors: number;
  readonly dailyTokens: number;
  readonly visitorPerMinute?: number;
  readonly linkPerMinute?: number;
  /** Agent tools guests may use (of those the agent lists); none when absent. */
  readonly tools?: readonly AgentToolName[];
  readonly now: number;
}

/** A comma-separated list of agent tool names (`--tools a,b`); `E_BAD_INPUT` naming the tools there are. */
export function parseGuestTools(text: string): AgentToolName[] {
  const names = text.split(',').map((t) => t.trim()).filter((t) => t !== '');
  const unknown = names.filter((t) => !(AGENT_TOOLS as readonly string[]).includes(t));
  if (unknown.length > 0) throw new TendrilError('E_BAD_INPUT', `no tool ${unknown.join(', ')}; the tools are ${AGENT_TOOLS.join(', ')}`);
  return [...new Set(names)] as AgentToolName[];
}

/** An access code of 8 digits, drawn without bias. */
export function randomGuestCode(crypto: CryptoProvider): string {
  let out = '';
  while (out.length < 8) {
    const b = crypto.randomBytes(1)[0]!;
    if (b < 250) out += String(b % 10);
  }
  return out;
}

/** A new link's settings entry with fresh keys (no tools for guests unless `tools` names some). */
export function newGuestLinkEntry(crypto: CryptoProvider, n: NewGuestLink): GuestLinkSettings {
  return {
    id: newGuestLinkId(), agent: n.agent, relay: n.relay,
    capSeed: toBase64Url(crypto.randomBytes(32)), boxSecret: toBase64Url(crypto.boxKeyPair().secretKey), secret: toBase64Url(crypto.randomBytes(32)),
    code: normalizeGuestCode(n.code ?? randomGuestCode(crypto)), expiresAt: n.expiresInMs === 0 ? 0 : n.now + n.expiresInMs,
    maxVisitors: n.maxVisitors, visitorPerMinute: n.visitorPerMinute ?? 10, linkPerMinute: n.linkPerMinute ?? 100, dailyTokens: n.dailyTokens,
    tools: [...(n.tools ?? [])], createdAt: n.now, endedAt: 0,
  };
}

/** The link's keys as the owner's devices hold them, from its settings entry. */
export function ownerLinkKeys(crypto: CryptoProvider, entry: Pick<GuestLinkSettings, 'id' | 'capSeed' | 'boxSecret' | 'secret'>): OwnerLinkKeys {
  const boxSecret = fromBase64Url(entry.boxSecret);
  return {
    link: entry.id as GuestLinkId,
    cap: crypto.signKeyPair(fromBase64Url(entry.capSeed)),
    box: { publicKey: crypto.boxPublicKey(boxSecret), secretKey: boxSecret },
    secret: secret(fromBase64Url(entry.secret)),
  };
}

/** The link to share (it holds the key material: show it to the owner only). */
export function guestLinkText(crypto: CryptoProvider, entry: GuestLinkSettings): string {
  const keys = ownerLinkKeys(crypto, entry);
  return formatGuestLink({ relayHttpUrl: entry.relay, linkId: entry.id, ownerBoxKey: keys.box.publicKey, secret: keys.secret }).expose();
}

/** Registers the entry's link (or its new terms) at the relay. */
export async function registerGuestLink(crypto: CryptoProvider, owner: GuestOwner, entry: GuestLinkSettings): Promise<void> {
  await owner.register(ownerLinkKeys(crypto, entry), {
    codeVerifier: guestCodeVerifier(entry.id, entry.code), expiresAt: entry.expiresAt, maxVisitors: entry.maxVisitors,
    visitorPerMinute: entry.visitorPerMinute, linkPerMinute: entry.linkPerMinute,
  });
}
