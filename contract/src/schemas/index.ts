export * from './summary.js';
export * from './bench-json.js';
export * from './describe-error.js';
