import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection, on demand, without starting node with --expose-gc: the flag is set at
 * run time and the `gc` it defines is read from a fresh context. The benches call it so that a
 * memory reading (soak) or a CPU window (client bench) is not shifted by a collection landing in it.
 */
export const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();
