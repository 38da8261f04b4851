/**
 * Every kustomize overlay renders with the real kubectl, every object it renders is valid against the
 * published Kubernetes and prometheus-operator schemas, and what it renders is safe to drop into a
 * serving stack: a sidecar cannot take its vLLM pod out of the Service, an API key Secret is optional
 * only while no target needs it, the pod runs the image the release builds with the writable path the
 * image declares, discovery RBAC is namespaced where an overlay says so, and Prometheus selects it all.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { parseConfig } from '../exporter/src/config/load.js';
import { placeTargets } from '../exporter/src/config/placement.js';
import { defaultRuleConfig } from '../monitoring/src/config.js';
import { buildRuleGroups } from '../monitoring/src/rules.js';
import { readContainerfile } from './support/containerfile.js';
import { findTool } from './support/tools.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const kubernetes = join(repo, 'monitoring', 'kubernetes');
const kubectl = findTool('kubectl', 'install kubectl (kustomize is built in)');
const maybe = kubectl ? it : it.skip;

const OVERLAYS = ['base', ...readdirSync(join(kubernetes, 'overlays')).map((o) => `overlays/${o}`)];
/** Overlays for kube-prometheus-stack, whose Prometheus selects monitors and rules by its release label. */
const KUBE_PROMETHEUS_STACK = ['overlays/kube-prometheus-stack', 'overlays/kube-prometheus-stack-namespaced', 'overlays/sidecar-example'];
const NAMESPACED_DISCOVERY = ['overlays/kube-prometheus-stack-namespaced', 'overlays/openshift'];
const CLUSTER_DISCOVERY = ['base', 'overlays/kube-prometheus-stack'];

interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  subjects?: { kind: string; name: string; namespace?: string }[];
}

interface Container {
  name: string;
  image?: string;
  args?: string[];
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean }; fieldRef?: { fieldPath: string } } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: unknown;
  livenessProbe?: unknown;
  startupProbe?: unknown;
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string }[];
}

interface PodSpec {
  securityContext?: Record<string, unknown>;
  containers: Container[];
  volumes?: { name: string; emptyDir?: unknown }[];
}

function render(dir: string): Resource[] {
  const out = execFileSync(kubectl ?? 'kubectl', ['kustomize', join(kubernetes, dir)], { encoding: 'utf8', stdio: 'pipe' });
  return parseAllDocuments(out).map((d) => d.toJS() as Resource);
}

const find = (resources: Resource[], kind: string, name?: string): Resource | undefined =>
  resources.find((r) => r.kind === kind && (name === undefined || r.metadata.name === name));

function podSpec(deployment: Resource | undefined): PodSpec {
  const spec = deployment?.spec as { template: { spec: PodSpec } } | undefined;
  if (!spec) throw new Error('no Deployment or StatefulSet');
  return spec.template.spec;
}

/** The pod and container that run kvcanary: the standalone StatefulSet, or the sidecar in the vLLM pod. */
function exporterContainer(resources: Resource[]): { pod: PodSpec; container: Container } {
  for (const d of resources.filter((r) => r.kind === 'Deployment' || r.kind === 'StatefulSet')) {
    const pod = podSpec(d);
    const container = pod.containers.find((c) => c.name === 'kvcanary');
    if (container) return { pod, container };
  }
  throw new Error('no kvcanary container');
}

function exporterConfig(resources: Resource[], where: string): ReturnType<typeof parseConfig> {
  const text = resources.find((x) => x.kind === 'ConfigMap' && x.metadata.name.startsWith('kvcanary-config'))?.data?.['config.yaml'];
  if (text === undefined) throw new Error(`${where}: no kvcanary-config ConfigMap`);
  return parseConfig(parse(text), `${where} ConfigMap`);
}

/** Where the model classes of an apiVersion are published (the core group is `kubernetes-models/v1`). */
function modelModule(apiVersion: string): string {
  return apiVersion.startsWith('monitoring.coreos.com/') ? `@kubernetes-models/prometheus-operator/${apiVersion}` : `kubernetes-models/${apiVersion}`;
}

async function validate(resource: Resource): Promise<void> {
  const models = (await import(modelModule(resource.apiVersion))) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = models[resource.kind];
  if (!Model) throw new Error(`no schema for ${resource.apiVersion} ${resource.kind}`);
  new Model(resource).validate();
}

/** Pod Security Standards "restricted", container level. */
function expectRestricted(c: Container | undefined): void {
  expect(c?.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
}

describe('kustomize', () => {
  maybe.each(OVERLAYS)('%s: every object is valid against the Kubernetes and prometheus-operator schemas', async (dir) => {
    const resources = render(dir);
    expect(resources.length).toBeGreaterThan(0);
    for (const r of resources) {
      await expect(validate(r).then(() => 'valid', (e: Error) => `${r.kind}/${r.metadata.name}: ${e.message}`)).resolves.toBe('valid');
    }
  });

  maybe('base: StatefulSet, Service, ServiceMonitor, PrometheusRule = the rule file, dashboards for the Grafana sidecar', () => {
    const r = render('base');
    const pod = podSpec(find(r, 'StatefulSet', 'kvcanary'));
    const exporter = pod.containers.find((c) => c.name === 'kvcanary');
    expect(exporter?.args).toEqual(['serve', '--config=/etc/kvcanary/config.yaml', '--web.listen-address=:9464']);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expectRestricted(exporter);
    expect(find(r, 'Service', 'kvcanary')).toBeDefined();
    expect(find(r, 'ServiceMonitor', 'kvcanary')).toBeDefined();

    const rule = find(r, 'PrometheusRule', 'kvcanary');
    expect(rule?.spec).toEqual({ groups: JSON.parse(JSON.stringify(buildRuleGroups(defaultRuleConfig))) });
    const ruleFile = parse(readFileSync(join(kubernetes, '..', 'prometheus', 'kvcanary-rules.yml'), 'utf8')) as unknown;
    expect(rule?.spec).toEqual(ruleFile);

    const dashboards = find(r, 'ConfigMap', 'kvcanary-dashboards');
    expect(dashboards?.metadata.labels?.grafana_dashboard).toBe('1');
    for (const json of Object.values(dashboards?.data ?? {})) expect((JSON.parse(json) as { uid: string }).uid).toMatch(/^kvcanary/);
  });

  maybe.each(OVERLAYS)('%s: the ConfigMap holds a configuration the exporter accepts', (dir) => {
    expect(exporterConfig(render(dir), dir).targets?.length).toBeGreaterThan(0);
  });

  // A missing key marks its target down while the exporter serves (test/missing-secret.test.ts); a
  // required reference would instead keep the pod (in the sidecar: the vLLM pod) from starting.
  maybe.each(OVERLAYS)('%s: every API key Secret reference is optional', (dir) => {
    const { container } = exporterContainer(render(dir));
    for (const e of container.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (ref) expect({ env: e.name, optional: ref.optional === true }).toEqual({ env: e.name, optional: true });
    }
  });

  maybe.each(OVERLAYS)('%s: runs the image the release builds, sized requests, no CPU limit, /tmp as the image declares', (dir) => {
    const root = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { config: { image: string } };
    const version = (JSON.parse(readFileSync(join(repo, 'exporter', 'package.json'), 'utf8')) as { version: string }).version;
    const { pod, container } = exporterContainer(render(dir));
    expect(container.image).toBe(`${root.config.image}:${version}`);
    expect(Object.keys(container.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(container.resources?.limits ?? {})).toEqual(['memory']);
    expectRestricted(container);

    const volumes = JSON.parse(readContainerfile(join(repo, 'Containerfile')).stages.at(-1)?.instructions.find((i) => i.op === 'VOLUME')?.args ?? '[]') as string[];
    expect(volumes.length).toBeGreaterThan(0);
    for (const path of volumes) {
      const mount = container.volumeMounts?.find((m) => m.mountPath === path);
      expect(pod.volumes?.find((v) => v.name === mount?.name)?.emptyDir).toBeDefined();
    }
  });

  maybe('sidecar: nothing the exporter does can make the vLLM pod NotReady (no readiness, liveness or startup probe)', () => {
    const r = render('overlays/sidecar-example');
    const pod = podSpec(find(r, 'Deployment', 'vllm'));
    expect(pod.containers.map((c) => c.name).sort()).toEqual(['kvcanary', 'vllm']);
    const sidecar = pod.containers.find((c) => c.name === 'kvcanary');
    expect({ readiness: sidecar?.readinessProbe, liveness: sidecar?.livenessProbe, startup: sidecar?.startupProbe }).toEqual({ readiness: undefined, liveness: undefined, startup: undefined });
    expect(find(r, 'StatefulSet', 'kvcanary')).toBeUndefined();
    expect(find(r, 'Service', 'kvcanary')).toBeUndefined();
    expect(find(r, 'ServiceMonitor')).toBeUndefined();
    expect(find(r, 'PodMonitor', 'kvcanary')).toBeDefined();
    // Its one replica is static: no discovery, so no RBAC and no account of its own.
    expect(r.filter((x) => ['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'].includes(x.kind))).toEqual([]);
  });

  maybe.each(CLUSTER_DISCOVERY)('%s: cluster-wide discovery, a ClusterRole bound to the exporter\'s own account', (dir) => {
    const r = render(dir);
    expect(find(r, 'Role')).toBeUndefined();
    expect(find(r, 'ClusterRole', 'kvcanary-pod-discovery')).toBeDefined();
    expect(find(r, 'ClusterRoleBinding', 'kvcanary-pod-discovery')?.subjects).toEqual([{ kind: 'ServiceAccount', name: 'kvcanary', namespace: 'kvcanary' }]);
  });

  maybe.each(NAMESPACED_DISCOVERY)('%s: namespaced discovery, a Role in every namespace the config discovers pods in, no ClusterRole', (dir) => {
    const r = render(dir);
    expect(r.filter((x) => x.kind.startsWith('Cluster'))).toEqual([]);
    const account = find(r, 'ServiceAccount', 'kvcanary');
    const namespaces = new Set((exporterConfig(r, dir).targets ?? []).flatMap((t) => (t.replicas?.kubernetes ? [t.replicas.kubernetes.namespace] : [])));
    expect(namespaces.size).toBeGreaterThan(0);
    for (const namespace of namespaces) {
      const role = r.find((x) => x.kind === 'Role' && x.metadata.namespace === namespace);
      const binding = r.find((x) => x.kind === 'RoleBinding' && x.metadata.namespace === namespace);
      expect(role).toBeDefined();
      expect(binding?.subjects).toEqual([{ kind: 'ServiceAccount', name: 'kvcanary', namespace: account?.metadata.namespace }]);
    }
  });

  maybe.each(KUBE_PROMETHEUS_STACK)('%s: every ServiceMonitor, PodMonitor and PrometheusRule carries the release label', (dir) => {
    const monitoring = render(dir).filter((x) => x.apiVersion.startsWith('monitoring.coreos.com/'));
    expect(monitoring.length).toBeGreaterThanOrEqual(2);
    for (const m of monitoring) expect({ kind: m.kind, release: m.metadata.labels?.release }).toEqual({ kind: m.kind, release: 'kube-prometheus-stack' });
  });

  maybe('sharded: a StatefulSet whose replicas are the config\'s shard count, each pod one share of the targets', () => {
    const r = render('overlays/sharded');
    const set = find(r, 'StatefulSet', 'kvcanary');
    const config = exporterConfig(r, 'overlays/sharded');
    expect((set?.spec as { replicas?: number } | undefined)?.replicas).toBe(config.sharding?.count);
    const { container } = exporterContainer(r);
    expect(container.env?.find((e) => e.name === 'POD_NAME')).toEqual({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
    const shares = Array.from({ length: config.sharding?.count ?? 0 }, (_, i) => placeTargets(config, { POD_NAME: `kvcanary-${i}` }, 'sharded').targets.map((t) => t.name));
    expect(shares.flat().sort()).toEqual((config.targets ?? []).map((t) => t.name).sort());
  });

  maybe('openshift: the restricted-v2 SCC picks the UID, the project evaluates its own rules, all of it in user projects', () => {
    const r = render('overlays/openshift');
    const pod = podSpec(find(r, 'StatefulSet', 'kvcanary'));
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expectRestricted(pod.containers[0]);
    expect(find(r, 'PrometheusRule')?.metadata.labels?.['openshift.io/prometheus-rule-evaluation-scope']).toBe('leaf-prometheus');
    expect(r.every((x) => x.metadata.namespace !== undefined)).toBe(true);
  });
});
