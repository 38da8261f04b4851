/** The names and fixed values every package shares; the zod schemas are in `@kvcanary/contract/schemas`. */
export * from './labels.js';
export * from './buckets.js';
export * from './metrics.js';
export * from './recorded.js';
export * from './figures.js';
export * from './series.js';
export * from './rule-config.js';
