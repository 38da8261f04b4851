/** The exporter's worker thread (see offload.ts): answers scrape and bootstrap calls. */
import { answerCalls } from '../util/worker-host.js';
import { localOffload, runOffloadCall, type OffloadCall } from './offload.js';

const offload = localOffload();
const never = new AbortController().signal;

answerCalls((call: OffloadCall) => runOffloadCall(offload, call, never));
