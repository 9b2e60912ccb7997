/** The sealed envelope: header codec (crypto-free), seal, open, batch open, author hash chain, counters, snapshot payload. */
export * from './header.ts';
export * from './seal.ts';
export * from './open.ts';
export * from './open-many.ts';
export * from './chain.ts';
export * from './counters.ts';
export * from './snapshot-payload.ts';
