import { exporterMetrics as m } from '@kvcanary/contract';
import { NAMESPACE, links, targetInfo } from './exporter-info.js';
import { fires, quiet, type ExpectedAlert, type ScenarioFile } from './scenario.js';
import { gauge, hold, samples, type GaugeStretch } from './series.js';

const kvUsage = (replica: string, ...stretches: GaugeStretch[]) => gauge(m.replicaKvCacheUsage, { target: 'prod', replica }, ...stretches);
const gpu = (replica: string, device: string, ...stretches: GaugeStretch[]) =>
  gauge(m.replicaGpuUtilization, { target: 'prod', replica, gpu: device }, ...stretches);

/** A replica's KV usage swinging between 20% and 90% every minute, 45 samples. */
const swinging = Array.from({ length: 45 }, (_, minute) => [0.2, 0.9, 0.3, 0.8, 0.25, 0.85][minute % 6] ?? 0);

/** The alert for `replica`, whose 10m `average` of `what` is `distance` away from its peers' mean. */
function imbalanced(replica: string, resource: { label: string; what: string }, average: string, distance: string): ExpectedAlert {
  return {
    labels: { target: 'prod', replica, resource: resource.label, namespace: NAMESPACE, severity: 'warning' },
    annotations: {
      summary: `Replica ${replica} of prod is ${distance} away from its peers' ${resource.what}`,
      description:
        `${resource.what} of replica ${replica} (prod, 10m average ${average}) is ${distance} away from the mean over its target's replicas ` +
        '(threshold 30 points for 30m). A router that sticks too hard to cached prefixes overloads one replica; a stuck or restarted ' +
        "replica idles. Check the router's policy and the replica's running and waiting requests.",
      ...links('kvcanaryreplicaimbalance', '?var-target=prod'),
    },
  };
}

const kvCache = { label: 'kv_cache', what: 'KV-cache usage' };
const gpuUtilisation = { label: 'gpu', what: 'GPU utilisation' };

export const replicaImbalance: ScenarioFile = {
  name: 'replica-imbalance',
  alert: 'KVCanaryReplicaImbalance',
  about:
    "KVCanaryReplicaImbalance: a replica's 10m-average KV usage or GPU utilisation more than 0.3 from its\n" +
    "target's mean over replicas, for 30m.",
  scenarios: [
    {
      name: 'one replica with a full KV cache while three sit at 30% fires for that replica only',
      input: [targetInfo('prod', 60), kvUsage('r0', hold(0.3, 60)), kvUsage('r1', hold(0.3, 60)), kvUsage('r2', hold(0.3, 60)), kvUsage('r3', hold(0.95, 60))],
      alerts: [...quiet('20m'), fires('45m', imbalanced('r3', kvCache, '95%', '48.75%'))],
    },
    {
      name: "one idle GPU among busy ones fires (averaged over the replica's GPUs)",
      input: [targetInfo('prod', 60), gpu('r0', '0', hold(0.9, 60)), gpu('r0', '1', hold(0.8, 60)), gpu('r1', '0', hold(0.85, 60)), gpu('r2', '0', hold(0.05, 60))],
      alerts: [fires('45m', imbalanced('r2', gpuUtilisation, '5%', '53.33%'))],
    },
    {
      name: 'replicas that move together, with noise, are balanced',
      input: [targetInfo('prod', 45), kvUsage('r0', samples(...swinging)), kvUsage('r1', hold(0.6, 45)), kvUsage('r2', hold(0.5, 45))],
      alerts: quiet('45m'),
    },
    {
      name: 'a single replica has no peers to be imbalanced against',
      input: [targetInfo('prod', 60), targetInfo('other', 60), kvUsage('r0', hold(0.99, 60)), gauge(m.replicaKvCacheUsage, { target: 'other', replica: 'r0' }, hold(0.01, 60))],
      alerts: quiet('50m'),
    },
    {
      name: 'a short burst on one replica is shorter than the 30m hold',
      input: [targetInfo('prod', 60), kvUsage('r0', hold(0.3, 20), hold(1, 10), hold(0.3, 30)), kvUsage('r1', hold(0.3, 60)), kvUsage('r2', hold(0.3, 60))],
      alerts: quiet('45m', '60m'),
    },
  ],
};
