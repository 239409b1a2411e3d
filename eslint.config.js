// Lint rules the code already follows, plus the layering rule of STYLE.md as import restrictions:
// core never imports electron, react or renderer; drivers import neither core nor the shells;
// the renderer reaches core only through the typed contract (core/api.ts), plus core/display.ts, the
// one way numbers and unknown values read in the app, the reports and the CLI (display.ts may import
// nothing at all, so allowing it cannot let the renderer reach anything else of core), and the pure
// core/highlight (syntax colours of diffs: its own files and its libraries only). Inside core
// (docs/ARCHITECTURE.md, "Layers"): the hub side and the shared layers under it (queue, store, wire,
// runs, compare, agent, hub.ts) never import the client session (core/session) or what sits on it
// (app, cli, mcp); core/session imports none of app, cli, mcp. tests/unit/layering.test.ts checks
// that these rules catch a violation.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const shells = [
  { group: ['electron', 'electron/*'], message: 'core and drivers never import electron (STYLE.md: electron/ is a thin shell over core/).' },
  { group: ['react', 'react-dom', 'react/*', 'react-dom/*', '@tanstack/*'], message: 'core and drivers never import the UI.' },
  { group: ['**/renderer/**'], message: 'core and drivers never import renderer/.' },
  { group: ['**/electron/**'], message: 'core and drivers never import electron/.' },
];

/** Imports of the client layers from a file one folder below core/ (or core/hub.ts), static or dynamic. */
const clientLayer = (layers) => `^(\\./|(\\.\\./)+)(${layers.join('|')})/`;

/** The import restrictions of files that must not reach `layers`, with why. */
function layer(files, layers, message) {
  const regex = clientLayer(layers);
  return {
    files,
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [...shells, { regex, message }] }],
      'no-restricted-syntax': ['error', { selector: `ImportExpression[source.value=/${regex.replaceAll('/', '\\/')}/]`, message }],
    },
  };
}

const hubSide = ['core/queue/**/*.ts', 'core/store/**/*.ts', 'core/wire/**/*.ts', 'core/runs/**/*.ts', 'core/compare/**/*.ts', 'core/agent/**/*.ts', 'core/hub.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'release/**', 'node_modules/**', 'renderer/dist/**', 'build/**', 'tests/fixtures/**', 'packs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['**/*.{js,mjs,cjs}'], languageOptions: { globals: globals.node } },
  {
    rules: {
      // Terminal output and captured CLI streams are matched for ANSI and control bytes on purpose.
      'no-control-regex': 'off',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: shells }] },
  },
  layer(hubSide, ['session', 'app', 'cli', 'mcp'], 'the hub side (queue, store, wire, runs, compare, agent) sits under the client session: it never imports core/session, core/app, core/cli or core/mcp.'),
  layer(['core/session/**/*.ts'], ['app', 'cli', 'mcp'], 'core/session is the client layer the app, the CLI and the MCP adapter share: it never imports them.'),
  {
    files: ['core/display.ts'],
    rules: { 'no-restricted-syntax': ['error', { selector: 'ImportDeclaration, ExportAllDeclaration, ExportNamedDeclaration[source]', message: 'core/display.ts is imported by the renderer: it stays pure and imports nothing.' }] },
  },
  {
    // Bundled into the renderer as well: only its own files and its libraries, nothing of Node.
    files: ['core/highlight/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [...shells, { group: ['node:*', '../*'], message: 'core/highlight runs in the renderer too: no Node modules, nothing of core outside it.' }],
      }],
    },
  },
  {
    files: ['drivers/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [...shells, { group: ['**/core/**'], message: 'drivers are the lower layer: core imports drivers, never the other way.' }],
      }],
    },
  },
  {
    files: ['renderer/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      // The hooks rules proper; the plugin's React-Compiler rules (refs, purity, set-state-in-effect)
      // describe code written for the compiler, which this renderer does not use.
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          // core/display.ts is import-free; core/highlight is pure (no Node, nothing else of core): the app and
          // the server's HTML reports read numbers and colour diffs alike.
          { regex: '^(\\.\\./)+core/(?!(api|display)\\.js$|highlight/)', message: 'the renderer reaches core only through the contract, core/api.ts (and core/display.ts, how numbers read, and the pure core/highlight).' },
          { group: ['**/drivers/**', '**/electron/**', 'electron', 'node:*'], message: 'the renderer is a browser page: only the contract (core/api.ts).' },
        ],
      }],
    },
  },
);
