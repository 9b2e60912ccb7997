/**
 * Command-line parsing for `tendril`: positionals and `--flag value` /
 * `--flag=value` / boolean `--flag` options, checked against what each
 * command accepts so a typo is an error, not a silent default.
 */
import { TendrilError } from '@tendril/crdt-schema/errors';

export interface ParsedArgs {
  readonly positionals: string[];
  readonly flags: Map<string, string | true>;
}

export interface FlagSpec {
  /** Flags that take a value. */
  readonly values?: readonly string[];
  /** Flags that are switches. */
  readonly switches?: readonly string[];
}

export function parseArgs(argv: readonly string[], spec: FlagSpec): ParsedArgs {
  const values = new Set(spec.values ?? []);
  const switches = new Set(spec.switches ?? []);
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a === '-') {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (switches.has(name)) {
      if (eq > 0) throw new TendrilError('E_BAD_INPUT', `--${name} takes no value`);
      flags.set(name, true);
    } else if (values.has(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new TendrilError('E_BAD_INPUT', `--${name} needs a value`);
      flags.set(name, v);
    } else {
      throw new TendrilError('E_BAD_INPUT', `unknown option --${name} (an id that starts with '-' goes after --, as in: chat show --home DIR -- ID)`);
    }
  }
  return { positionals, flags };
}

export function flag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function requireFlag(args: ParsedArgs, name: string): string {
  const v = flag(args, name);
  if (v === undefined) throw new TendrilError('E_BAD_INPUT', `--${name} is required`);
  return v;
}

export function intFlag(args: ParsedArgs, name: string, fallback: number): number {
  const v = flag(args, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new TendrilError('E_BAD_INPUT', `--${name} must be a non-negative integer, got ${v}`);
  return n;
}

/** Durations like `90s`, `10m`, `2h`, `7d` (or plain seconds). */
export function parseDuration(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new TendrilError('E_BAD_INPUT', `not a duration: ${text} (use e.g. 90s, 10m, 2h, 7d)`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h' | 'd'];
  return n * unit;
}
