export * from './summary.js';
export * from './bench-json.js';
export * from './describe-error.js';
export * from './plan-json.js';
export * from './records.js';
export * from './history.js';
