/** The replicas folder's public surface: what the exporter uses. */
export { createReplicaMonitor } from './monitor.js';
export type { ReplicaMonitor, ReplicaMonitorOptions } from './monitor.js';
export { ProbeCounts } from './probe-counts.js';
export { engineSplit } from './engine-split.js';
export { createStaticSource } from './discovery-static.js';
export type { StaticReplica } from './discovery-static.js';
export { createKubernetesSource } from './discovery-kubernetes.js';
export type { KubernetesSource, KubernetesSourceOptions } from './discovery-kubernetes.js';
export type { EngineTotals, Replica, ReplicaSnapshot, ReplicaSource, TargetReplicas } from './types.js';
