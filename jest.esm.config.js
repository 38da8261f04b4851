/**
 * The jest setup of every Node workspace (contract, exporter, test): ESM all the way, swc strips types
 * only, and Node runs the modules as they ship. Each workspace names its roots and timeout.
 */
export function esmJestConfig({ roots, testTimeout }) {
  return {
    testEnvironment: 'node',
    roots,
    testMatch: ['**/*.test.ts'],
    extensionsToTreatAsEsm: ['.ts'],
    moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
    transform: {
      '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
    },
    testTimeout,
  };
}
