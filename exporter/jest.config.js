import { esmJestConfig } from '../jest.esm.config.js';

export default esmJestConfig({ roots: ['<rootDir>/src'], testTimeout: 30_000 });
