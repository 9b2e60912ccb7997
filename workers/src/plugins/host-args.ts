/**
 * Reading a host call's arguments: they come from plugin code, so each is
 * checked where it is used, and a bad one is an E_BAD_INPUT the plugin sees
 * as `bad-request`. Shared by the host's op modules.
 */
import { TendrilError } from '@tendril/crdt-schema/errors';

export type Args = Readonly<Record<string, unknown>>;
/** One host op: its arguments and the run's abort signal in, a JSON-able value out. */
export type Handler = (args: Args, signal: AbortSignal) => Promise<unknown>;

export const badInput = (message: string): never => {
  throw new TendrilError('E_BAD_INPUT', message);
};
export const str = (v: unknown, what: string, max: number): string =>
  typeof v === 'string' && v.length <= max ? v : badInput(`${what} must be a string of at most ${max} characters`);
export const num = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback);
