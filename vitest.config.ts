import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{crdt-schema,sync-server,gateway,workers}/{src,test}/**/*.test.ts', 'e2e/src/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'app/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
