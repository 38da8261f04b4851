/**
 * The exporter's folders in layers: a folder imports only from layers below its own, so data and
 * dependencies run one way (exporter/README.md, "Layout"). The contract package sits below them all.
 * Test-only modules live in src/test-support/, which only tests may import.
 */
const LAYERS = [
  ['util'],
  ['corpus', 'client', 'stats', 'config', 'sim'],
  ['probe'],
  ['replicas'],
  ['metrics'],
  ['runtime'],
  ['http'],
  ['cli', 'bench'],
];

const ORDER = LAYERS.map((layer) => layer.join(', ')).join(' <- ');
const testSupport = { regex: 'test-support/', message: 'test-support/ holds test-only modules; production code must not import them' };

export default LAYERS.flatMap((layer, i) =>
  layer.flatMap((folder) => {
    const higher = LAYERS.slice(i).flat().filter((f) => f !== folder);
    const upward = { regex: `^\\.\\./(${higher.join('|')})/`, message: `exporter/src/${folder} may import only from layers below it: ${ORDER}` };
    const files = `exporter/src/${folder}/**/*.ts`;
    const tests = `exporter/src/${folder}/**/*.test.ts`;
    return [
      { files: [files], ignores: [tests], rules: { 'no-restricted-imports': ['error', { patterns: [upward, testSupport] }] } },
      { files: [tests], rules: { 'no-restricted-imports': ['error', { patterns: [upward] }] } },
    ];
  }),
);
