/** The exporter's worker thread (see offload.ts): answers scrape and bootstrap calls. */
import { setMaxListeners } from 'node:events';
import { answerCalls } from '../util/worker-host.js';
import { MAX_PENDING, localOffload, runOffloadCall, type OffloadCall } from './offload.js';

const offload = localOffload();
const never = new AbortController().signal;
// Every call in flight listens on it (replicas/scrape.ts), and the host admits up to MAX_PENDING calls:
// past Node's default of 10 (11 replicas) it would print a leak warning into the JSON log.
setMaxListeners(MAX_PENDING, never);

answerCalls((call: OffloadCall) => runOffloadCall(offload, call, never));
