/**
 * The longest delay a Node.js timer holds: a longer one fires after 1 ms instead (Node.js docs,
 * https://nodejs.org/api/timers.html#settimeoutcallback-delay-args). Every duration kvcanary waits
 * for is checked against it where it is read (config, flags, query parameters).
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The bound as a person reads it, for error messages. */
export const MAX_TIMER_TEXT = '24.8 days (2^31-1 ms, the longest delay a Node.js timer can hold)';
