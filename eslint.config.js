// Lint rules, including the layer rules of shared conventions: imports only point down, and the
// emulators never import the connectors or the core contracts they are used to test.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (files, forbidden, why) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      { patterns: forbidden.map((group) => ({ group: [group], message: why })) },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-artifacts/**', 'bench/out/**', 'test/cutover/{corpus,samples,expected}/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', performance: 'readonly', structuredClone: 'readonly', fetch: 'readonly' } },
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  layer(['src/emulators/**'], ['**/core/**', '**/stores/**', '**/engine/**', '**/state/**', '**/patterns/**', '**/assess/**', '**/cutover/**', '**/gateway/**', '**/cli/**', '**/web/**'],
    'Emulators are independent implementations of the wire protocols: they never import lakeshift code outside src/emulators/.'),
  layer(['src/core/**'], ['**/stores/**', '**/emulators/**', '**/engine/**', '**/state/**', '**/patterns/**', '**/assess/**', '**/cutover/**', '**/cli/**', '**/web/**'],
    'core holds contracts only and imports nothing above it.'),
  layer(['src/stores/**'], ['**/emulators/**', '**/engine/**', '**/state/**', '**/patterns/**', '**/assess/**', '**/cutover/**', '**/cli/**', '**/web/**'],
    'stores import only core.'),
  // Store tests may start the emulators in-process (they test the connector over the wire); store code may not.
  layer(['src/stores/**/*.test.ts'], ['**/engine/**', '**/state/**', '**/patterns/**', '**/assess/**', '**/cutover/**', '**/cli/**', '**/web/**'],
    'store tests import core, their store and the emulators only.'),
  layer(['src/state/**'], ['**/stores/**', '**/emulators/**', '**/engine/**', '**/patterns/**', '**/assess/**', '**/cutover/**', '**/cli/**', '**/web/**'],
    'state imports only core.'),
  layer(['src/engine/**'], ['**/emulators/**', '**/patterns/**', '**/assess/**', '**/cutover/**', '**/cli/**', '**/web/**'],
    'engine imports core, stores and state only.'),
  layer(['src/seed/**'], ['**/emulators/**', '**/engine/**', '**/state/**', '**/patterns/**', '**/assess/**', '**/cutover/**', '**/cli/**', '**/web/**'],
    'seed imports core and stores only.'),
  layer(['src/patterns/**', 'src/assess/**', 'src/cutover/**', 'src/validate/**', 'src/plan/**'], ['**/emulators/**', '**/cli/**', '**/web/**'],
    'library layers never import the CLI, the web layer or the emulators.'),
  // The gateway speaks the Gen1 protocol the Gen1 emulator speaks: sharing code would let one hide the other's bugs.
  layer(['src/gateway/**'], ['**/emulators/**', '**/cli/**', '**/web/**'],
    'The gateway shares no code with the emulators (each tests the other honestly) and never imports the CLI or the web layer.'),
  layer(['src/guide/**'], ['**/emulators/**', '**/cli/**', '**/web/**', '**/stores/**', '**/engine/**', '**/state/**'],
    'The guide renders documents and reads the assess data it documents; the web layer serves it, never the other way round.'),
);
