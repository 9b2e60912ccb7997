// Unit tests of the app's plain TypeScript modules (no browser): `npx vitest run --config app/vitest.config.ts`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { root: import.meta.dirname, include: ['src/**/*.test.ts'], pool: 'forks' },
});
