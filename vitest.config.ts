// One Vitest run for every package. The app's unit tests are plain TypeScript (no browser, no Svelte
// components); they resolve `$lib` like the app does and are compiled with the root tsconfig, because
// the app's own tsconfig extends `.svelte-kit/tsconfig.json`, which only exists after `svelte-kit sync`.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  tsconfig: 'tsconfig.json',
  resolve: { alias: { $lib: fileURLToPath(new URL('./app/src/lib', import.meta.url)) } },
  test: {
    include: ['{crdt-schema,sync-server,gateway,workers}/{src,test}/**/*.test.ts', 'app/src/**/*.test.ts', 'e2e/src/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    pool: 'forks',
    // Vitest's default on this 2-core machine is one worker (cores - 1); most files wait on child
    // processes, sockets and browsers rather than the CPU, so two run side by side.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
