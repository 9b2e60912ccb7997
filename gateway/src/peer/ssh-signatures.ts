/**
 * The signed messages of SSH key administration, kept in a gateway's
 * administration document (schema/gateway-admin.ts): a member's request
 * (signed by the requester, checked by the gateway), and what the gateway
 * writes back (its answer to a request, the list of keys it manages, its
 * activity log entries), each signed by the gateway so readers can tell them
 * from what another member wrote into the document. Each is
 * `context || JSON || signature` (signatures.ts `signed`), parsed field by
 * field.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { CryptoProvider, DeviceIdentity } from '@tendril/crdt-schema/crypto';
import { parseDeviceId, type DeviceId } from '@tendril/crdt-schema/ids';
import { openSigned, signed } from './signatures.ts';

export const SSH_REQUEST_KINDS = ['add', 'revoke', 'support'] as const;
export type SshRequestKind = (typeof SSH_REQUEST_KINDS)[number];

export interface SshRequest {
  readonly kind: SshRequestKind;
  /** Decimal request id (random), also its key in the document. */
  readonly id: string;
  readonly gateway: DeviceId;
  readonly requester: DeviceId;
  /** When it was made (ms); the gateway refuses requests far from its clock. */
  readonly at: number;
  /** add: the public key line. */
  readonly key?: string;
  /** add: the label that goes into the file. */
  readonly label?: string;
  /** add: when the key expires (ms), or none. */
  readonly expiresAt?: number;
  /** revoke: the id of the key the gateway added. */
  readonly target?: string;
  /** support: for how long the support key is let in (ms). */
  readonly forMs?: number;
}

/** A key as the gateway lists it. */
export interface SshKeyView {
  readonly id: string;
  readonly type: string;
  readonly fingerprint: string;
  readonly label: string;
  readonly expiresAt: number | null;
  readonly support: boolean;
}

export interface SshAnswer {
  readonly id: string;
  readonly gateway: DeviceId;
  readonly ok: boolean;
  /** The error code when refused or failed (E_FORBIDDEN, E_BAD_INPUT, ...). */
  readonly code?: string;
  readonly message: string;
  readonly key?: SshKeyView;
}

export interface SshState {
  readonly gateway: DeviceId;
  readonly at: number;
  readonly keys: readonly SshKeyView[];
  /** The support key the gateway is configured with, if any. */
  readonly support: { readonly fingerprint: string; readonly label: string } | null;
}

export const SSH_ACTIONS = ['add', 'revoke', 'support', 'expire'] as const;
export type SshAction = (typeof SSH_ACTIONS)[number];

export interface SshLogEntry {
  readonly gateway: DeviceId;
  readonly at: number;
  readonly action: SshAction;
  /** Carried out, refused (not allowed), or failed (allowed, but it did not work). */
  readonly outcome: 'allowed' | 'denied' | 'error';
  /** Who asked (absent for the gateway's own expiry sweep). */
  readonly device?: DeviceId;
  readonly key?: SshKeyView;
  readonly detail: string;
}

const CONTEXT = {
  request: 'tendril/gateway-ssh-request/v1',
  answer: 'tendril/gateway-ssh-answer/v1',
  state: 'tendril/gateway-ssh-state/v1',
  log: 'tendril/gateway-ssh-log/v1',
} as const;

type Json = Record<string, unknown>;

function body(context: string, value: unknown): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, context);
  encoding.writeVarString(e, JSON.stringify(value));
  return encoding.toUint8Array(e);
}

function readBody(context: string, bytes: Uint8Array): Json | null {
  const d = decoding.createDecoder(bytes);
  if (decoding.readVarString(d) !== context) return null;
  const v: unknown = JSON.parse(decoding.readVarString(d));
  return !decoding.hasContent(d) && typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : null;
}

const str = (v: unknown, max = 20_000): string | undefined => (typeof v === 'string' && v.length <= max ? v : undefined);
const time = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined);
const isId = (v: unknown): v is string => typeof v === 'string' && /^[0-9]{1,15}$/.test(v);

function keyView(v: unknown): SshKeyView | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const k = v as Json;
  const id = str(k.id, 64), type = str(k.type, 64), fingerprint = str(k.fingerprint, 128), label = str(k.label, 128);
  const expiresAt = k.expiresAt === null ? null : time(k.expiresAt);
  if (id === undefined || type === undefined || fingerprint === undefined || label === undefined || expiresAt === undefined || typeof k.support !== 'boolean') return undefined;
  return { id, type, fingerprint, label, expiresAt, support: k.support };
}

export function signSshRequest(crypto: CryptoProvider, by: DeviceIdentity, r: Omit<SshRequest, 'requester'>): Uint8Array {
  return signed(crypto, body(CONTEXT.request, { ...r, requester: by.deviceId }), by);
}

/** The request when it parses and its requester's signature verifies, else null. */
export function openSshRequest(crypto: CryptoProvider, bytes: Uint8Array): SshRequest | null {
  return openSigned(crypto, bytes, (b): SshRequest | null => {
    const v = readBody(CONTEXT.request, b);
    if (!v || !(SSH_REQUEST_KINDS as readonly unknown[]).includes(v.kind) || !isId(v.id) || time(v.at) === undefined) return null;
    const r: { -readonly [K in keyof SshRequest]: SshRequest[K] } = {
      kind: v.kind as SshRequestKind, id: v.id, at: v.at as number, gateway: parseDeviceId(v.gateway), requester: parseDeviceId(v.requester),
    };
    if (v.key !== undefined) r.key = str(v.key) ?? '';
    if (v.label !== undefined) r.label = str(v.label, 1000) ?? '';
    if (v.expiresAt !== undefined) r.expiresAt = time(v.expiresAt) ?? 0;
    if (v.target !== undefined) r.target = str(v.target, 64) ?? '';
    if (v.forMs !== undefined) r.forMs = time(v.forMs) ?? 0;
    return r;
  }, (r) => r.requester);
}

export function signSshAnswer(crypto: CryptoProvider, gateway: DeviceIdentity, a: Omit<SshAnswer, 'gateway'>): Uint8Array {
  return signed(crypto, body(CONTEXT.answer, { ...a, gateway: gateway.deviceId }), gateway);
}

/** The answer when `gateway` signed it, else null. */
export function openSshAnswer(crypto: CryptoProvider, gateway: DeviceId, bytes: Uint8Array): SshAnswer | null {
  const a = openSigned(crypto, bytes, (b): SshAnswer | null => {
    const v = readBody(CONTEXT.answer, b);
    if (!v || !isId(v.id) || typeof v.ok !== 'boolean' || str(v.message) === undefined) return null;
    const key = v.key === undefined ? undefined : keyView(v.key);
    return { id: v.id, gateway: parseDeviceId(v.gateway), ok: v.ok, message: v.message as string, ...(typeof v.code === 'string' ? { code: v.code } : {}), ...(key ? { key } : {}) };
  }, (r) => r.gateway);
  return a?.gateway === gateway ? a : null;
}

export function signSshState(crypto: CryptoProvider, gateway: DeviceIdentity, s: Omit<SshState, 'gateway'>): Uint8Array {
  return signed(crypto, body(CONTEXT.state, { ...s, gateway: gateway.deviceId }), gateway);
}

export function openSshState(crypto: CryptoProvider, gateway: DeviceId, bytes: Uint8Array): SshState | null {
  const s = openSigned(crypto, bytes, (b): SshState | null => {
    const v = readBody(CONTEXT.state, b);
    if (!v || time(v.at) === undefined || !Array.isArray(v.keys)) return null;
    const keys = v.keys.map(keyView);
    if (keys.some((k) => k === undefined)) return null;
    const sup = v.support as Json | null;
    const support = sup && str(sup.fingerprint, 128) !== undefined && str(sup.label, 128) !== undefined ? { fingerprint: sup.fingerprint as string, label: sup.label as string } : null;
    return { gateway: parseDeviceId(v.gateway), at: v.at as number, keys: keys as SshKeyView[], support };
  }, (r) => r.gateway);
  return s?.gateway === gateway ? s : null;
}

export function signSshLogEntry(crypto: CryptoProvider, gateway: DeviceIdentity, e: Omit<SshLogEntry, 'gateway'>): Uint8Array {
  return signed(crypto, body(CONTEXT.log, { ...e, gateway: gateway.deviceId }), gateway);
}

export function openSshLogEntry(crypto: CryptoProvider, gateway: DeviceId, bytes: Uint8Array): SshLogEntry | null {
  const e = openSigned(crypto, bytes, (b): SshLogEntry | null => {
    const v = readBody(CONTEXT.log, b);
    if (!v || time(v.at) === undefined || !(SSH_ACTIONS as readonly unknown[]).includes(v.action) || !['allowed', 'denied', 'error'].includes(v.outcome as string)) return null;
    const key = v.key === undefined ? undefined : keyView(v.key);
    return {
      gateway: parseDeviceId(v.gateway), at: v.at as number, action: v.action as SshAction, outcome: v.outcome as SshLogEntry['outcome'], detail: str(v.detail) ?? '',
      ...(v.device !== undefined ? { device: parseDeviceId(v.device) } : {}), ...(key ? { key } : {}),
    };
  }, (r) => r.gateway);
  return e?.gateway === gateway ? e : null;
}
