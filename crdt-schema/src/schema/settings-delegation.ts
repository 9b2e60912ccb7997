/**
 * How far agents may hand work to each other (the `delegate` tool): how many
 * hops deep a sub-task may go, and what one user turn may spend on sub-agent
 * calls in all (calls, and tokens in and out). Kept in the settings prefs,
 * written by the user's devices; absent or malformed fields read as the
 * defaults, so a workspace from before sub-agents has them, and a writer can
 * only pick values within the bounds below (a limit never reads as unbounded).
 */
import { badInput, isRecord } from './fields.ts';

export interface DelegationLimits {
  /** Hops below the turn's agent: 1 lets it hand off, 2 lets that sub-agent hand off once more. */
  readonly maxDepth: number;
  /** Sub-agent calls per user turn, at every depth together. */
  readonly maxCalls: number;
  /** Tokens (in and out) sub-agents may use per user turn; a call is refused once they are spent. */
  readonly maxTokens: number;
}

export const DEFAULT_DELEGATION: DelegationLimits = { maxDepth: 2, maxCalls: 6, maxTokens: 200_000 };

const BOUNDS: Readonly<Record<keyof DelegationLimits, readonly [number, number]>> = {
  maxDepth: [0, 5],
  maxCalls: [0, 50],
  maxTokens: [0, 10_000_000],
};

const within = (k: keyof DelegationLimits, v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= BOUNDS[k][0] && v <= BOUNDS[k][1];

/** The limits as stored, each field that is missing or out of bounds read as its default. */
export function readDelegationLimits(v: unknown): DelegationLimits {
  const r = isRecord(v) ? v : {};
  const pick = (k: keyof DelegationLimits): number => {
    const x = r[k];
    return within(k, x) ? x : DEFAULT_DELEGATION[k];
  };
  return { maxDepth: pick('maxDepth'), maxCalls: pick('maxCalls'), maxTokens: pick('maxTokens') };
}

/** A change to the limits, checked field by field (0 turns delegation off). */
export function checkDelegationLimits(patch: Partial<DelegationLimits>, current: DelegationLimits): DelegationLimits {
  const out = { ...current };
  for (const k of Object.keys(BOUNDS) as (keyof DelegationLimits)[]) {
    const v = patch[k];
    if (v === undefined) continue;
    if (!within(k, v)) badInput(`delegation ${k} is a whole number from ${BOUNDS[k][0]} to ${BOUNDS[k][1]}`);
    out[k] = v;
  }
  return out;
}
