// Ambient types for SvelteKit: this app has no server, so App.* stays empty.
declare global {
  namespace App {}
}

export {};
