// Lint rules, including the relay's blindness boundary: sync-server/ may not import Yjs,
// libsodium, or any decrypt/open function of the shared core. It may read wire frames,
// ids, errors and the plaintext envelope header, and verify Ed25519 signatures with node:crypto.
import tseslint from 'typescript-eslint';

const blindRelay = {
  files: ['sync-server/**/*.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: [
          { name: 'yjs', message: 'The relay is blind: it never decodes Yjs.' },
          { name: 'libsodium-wrappers', message: 'The relay is blind: it holds no keys and decrypts nothing.' },
          { name: '@tendril/crdt-schema', message: 'Import only @tendril/crdt-schema/{wire,ids,errors,header} in the relay.' },
        ],
        patterns: [
          { group: ['yjs/*', 'y-protocols', 'y-protocols/*', 'y-websocket', 'y-indexeddb', 'lib0/*', 'libsodium*'], message: 'The relay is blind: no CRDT or crypto library.' },
          { regex: '^@tendril/crdt-schema/(?!(wire|ids|errors|header)$)', message: 'The relay may import only the wire, ids, errors and header modules of the shared core.' },
          { regex: '(^|/)crdt-schema/src/(?!(wire/|ids\\.ts|errors\\.ts|envelope/header\\.ts))', message: 'The relay may import only the wire, ids, errors and header modules of the shared core.' },
          { group: ['@tendril/crdt-schema', '@tendril/crdt-schema/**', '**/crdt-schema/**'], importNamePattern: '^(open|decrypt|unseal)', message: 'The relay never opens or decrypts anything.' },
        ],
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/.svelte-kit/**', '**/build/**', '**/dist/**', 'data/**', 'e2e/artifacts/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  blindRelay,
);
