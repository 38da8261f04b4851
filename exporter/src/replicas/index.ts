/** The replicas folder's public surface: what the exporter and the config loader use. */
export { createReplicaMonitor, sanitiseReplicaName } from './monitor.js';
export type { ReplicaMonitor, ReplicaMonitorOptions, ReplicaCounters, ReplicaGpu } from './monitor.js';
export { createStaticSource } from './discovery-static.js';
export type { StaticReplica } from './discovery-static.js';
export { createKubernetesSource } from './discovery-kubernetes.js';
export type { KubernetesSource, KubernetesSourceOptions } from './discovery-kubernetes.js';
export type { Replica, ReplicaSource } from './types.js';
