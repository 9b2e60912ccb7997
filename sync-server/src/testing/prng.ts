/**
 * A seeded PRNG for the relay's randomized tests (the shared core's test kit
 * is outside the relay's import boundary). The seed comes from TENDRIL_SEED
 * when set and is printed with a replay command.
 */

export interface Rng {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
  bytes(n: number): Uint8Array;
}

export function rng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    seed,
    next,
    int,
    bytes(n) {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = int(0, 255);
      return out;
    },
  };
}

/** TENDRIL_SEED or a fresh seed, printed with how to replay the test file. */
export function seededRng(testFile: string, env: Record<string, string | undefined> = process.env): Rng {
  const fromEnv = env.TENDRIL_SEED;
  const seed = fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
  console.log(`seed ${seed}; replay: TENDRIL_SEED=${seed} npx vitest run ${testFile}`);
  return rng(seed);
}
