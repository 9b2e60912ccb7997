// Vite build of the app. The shared core is TypeScript source imported through the workspace
// package; libsodium is large and loaded once, so it gets its own chunk.
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [sveltekit()],
  build: { target: 'es2022', chunkSizeWarningLimit: 2500 },
  worker: { format: 'es' },
});
