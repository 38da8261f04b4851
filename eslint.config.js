import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import exporterLayers from './exporter/import-layers.js';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', '**/test-output/**', 'panel-plugin/.config/**', 'panel-plugin/dist-*/**'] },
  // The canary corpus is frozen input for the probes (exporter/corpus/README.md), not project code: a
  // new lint rule must never require editing it.
  { ignores: ['exporter/corpus/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  ...exporterLayers,
  {
    // The CLI's output layer is the one place that writes to the terminal.
    files: ['exporter/src/cli/**', 'exporter/src/bench/**', '**/scripts/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // The Grafana panel runs in a browser and is React: browser globals and the rules of hooks.
    files: ['panel-plugin/src/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat['recommended-latest'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // create-plugin's jest entry points are CommonJS by design.
    files: ['panel-plugin/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
