import { esmJestConfig } from '../jest.esm.config.js';

// End-to-end tests start real servers and tools: minutes, not seconds.
export default esmJestConfig({ roots: ['<rootDir>'], testTimeout: 300_000 });
