/**
 * Command-line flags of the benchmark scripts: `--name value` or
 * `--name=value`, with typed defaults. Unknown flags are an error, so a typo
 * never silently runs the default size.
 */

export interface Flags {
  number(name: string, fallback: number): number;
  numbers(name: string, fallback: readonly number[]): number[];
  strings(name: string, fallback: readonly string[]): string[];
  string(name: string, fallback: string): string;
  /** Throws when a flag was given that no accessor asked for. */
  done(): void;
}

export function parseFlags(argv: readonly string[] = process.argv.slice(2)): Flags {
  const given = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    if (eq > 0) given.set(arg.slice(2, eq), arg.slice(eq + 1));
    else given.set(arg.slice(2), argv[++i] ?? '');
  }
  const used = new Set<string>();
  const raw = (name: string): string | undefined => {
    used.add(name);
    return given.get(name);
  };
  const num = (name: string, text: string): number => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) throw new Error(`--${name} needs a number, got ${JSON.stringify(text)}`);
    return n;
  };
  return {
    number: (name, fallback) => {
      const v = raw(name);
      return v === undefined ? fallback : num(name, v);
    },
    numbers: (name, fallback) => {
      const v = raw(name);
      return v === undefined ? [...fallback] : v.split(',').map((s) => num(name, s));
    },
    strings: (name, fallback) => {
      const v = raw(name);
      return v === undefined ? [...fallback] : v.split(',').map((s) => s.trim()).filter(Boolean);
    },
    string: (name, fallback) => raw(name) ?? fallback,
    done: () => {
      const unknown = [...given.keys()].filter((k) => !used.has(k));
      if (unknown.length > 0) throw new Error(`unknown flag(s): ${unknown.map((k) => `--${k}`).join(' ')}`);
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `everyMs` until it is true or `timeoutMs` passed; resolves with whether it became true. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 5): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (performance.now() > deadline) return false;
    await sleep(everyMs);
  }
}
