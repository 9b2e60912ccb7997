/**
 * Guest links in the settings document: what the owner's devices and workers
 * need to answer a link's visitors (the agent, the limits, the tools allowed
 * for guests: none by default) and the link's keys (capKey seed, box secret,
 * link secret). Settings are sealed like every document, so the keys reach
 * the owner's devices and workers only; toJSON and toString never show them.
 */
import type * as Y from 'yjs';
import { badInput, checkText } from './fields.ts';
import { parseAgentId, parseGuestLinkId, type AgentId, type GuestLinkId } from '../ids.ts';
import { SETTINGS } from './keys.ts';
import type { Writer } from './writer.ts';

export interface GuestLinkSettings {
  readonly id: GuestLinkId;
  readonly agent: AgentId;
  /** The relay's http(s) base the link points at. */
  readonly relay: string;
  /** Base64url secrets: the capKey's Ed25519 seed, the link's X25519 box secret, the link secret. */
  readonly capSeed: string;
  readonly boxSecret: string;
  readonly secret: string;
  /** The access code, kept so the owner can show it again. */
  readonly code: string;
  /** 0 = never. */
  readonly expiresAt: number;
  readonly maxVisitors: number;
  readonly visitorPerMinute: number;
  readonly linkPerMinute: number;
  /** Tokens one visitor's answers may cost per UTC day; 0 = no limit. */
  readonly dailyTokens: number;
  /** Agent tools allowed for guests: none by default. */
  readonly tools: readonly string[];
  readonly createdAt: number;
  /** 0 while open. */
  readonly endedAt: number;
}

const B64_32 = /^[A-Za-z0-9_-]{43}$/;
const whole = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) badInput(`${what} must be a whole number >= 0`);
  return v as number;
};

/** Checks a stored or new entry; `E_BAD_INPUT` naming the field. */
export function checkGuestLink(v: unknown): GuestLinkSettings {
  if (typeof v !== 'object' || v === null) badInput('a guest link must be an object');
  const o = v as Record<string, unknown>;
  for (const k of ['capSeed', 'boxSecret', 'secret'] as const) if (typeof o[k] !== 'string' || !B64_32.test(o[k])) badInput(`guest link ${k} must be 32 bytes in base64url`);
  if (!Array.isArray(o.tools) || !o.tools.every((t) => typeof t === 'string')) badInput('guest link tools must be a list of names');
  return {
    id: parseGuestLinkId(o.id), agent: parseAgentId(o.agent), relay: checkText(o.relay, 'relay', 2000),
    capSeed: o.capSeed as string, boxSecret: o.boxSecret as string, secret: o.secret as string, code: checkText(o.code, 'code', 256),
    expiresAt: whole(o.expiresAt, 'expiresAt'), maxVisitors: whole(o.maxVisitors, 'maxVisitors'), visitorPerMinute: whole(o.visitorPerMinute, 'visitorPerMinute'),
    linkPerMinute: whole(o.linkPerMinute, 'linkPerMinute'), dailyTokens: whole(o.dailyTokens, 'dailyTokens'), tools: [...(o.tools as string[])],
    createdAt: whole(o.createdAt, 'createdAt'), endedAt: whole(o.endedAt, 'endedAt'),
  };
}

export function guestLinksSection(doc: Y.Doc, w: Writer) {
  const map = doc.getMap<unknown>(SETTINGS.guests);
  const read = (id: string): GuestLinkSettings | undefined => {
    try {
      return checkGuestLink(map.get(id));
    } catch {
      return undefined; // a malformed entry (another version, a bad writer) is skipped, not fatal
    }
  };
  return {
    /** Every readable link, oldest first. */
    list(): GuestLinkSettings[] {
      return [...map.keys()].map(read).filter((l): l is GuestLinkSettings => l !== undefined).sort((a, b) => a.createdAt - b.createdAt);
    },
    get: read,
    put(entry: GuestLinkSettings): void {
      const checked = checkGuestLink(entry);
      w.write(() => map.set(checked.id, { ...checked, tools: [...checked.tools] }));
    },
    /** Marks a link ended and forgets its box secret, so key boxes sealed to it later cannot be opened. */
    end(id: GuestLinkId, at: number): void {
      const old = read(id);
      if (!old) badInput(`no guest link ${id}`);
      w.write(() => map.set(id, { ...old!, tools: [...old!.tools], endedAt: old!.endedAt || at, boxSecret: 'A'.repeat(43) }));
    },
  };
}
