/**
 * Every kustomize overlay renders with the real kubectl, and what it renders is what each environment
 * needs: the PrometheusRule carries exactly the rule file's groups, the dashboards are labelled for
 * Grafana's sidecar, pods run restricted, the ConfigMap is a config the exporter accepts.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { parseConfig } from '../exporter/src/config/load.js';
import { defaultRuleConfig } from '../monitoring/src/config.js';
import { buildRuleGroups } from '../monitoring/src/rules.js';
import { findTool } from './support/tools.js';

const kubernetes = join(dirname(fileURLToPath(import.meta.url)), '..', 'monitoring', 'kubernetes');
const kubectl = findTool('kubectl', 'install kubectl (kustomize is built in)');
const maybe = kubectl ? it : it.skip;

interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

interface Container {
  name: string;
  args?: string[];
  securityContext?: Record<string, unknown>;
}

interface PodSpec {
  securityContext?: Record<string, unknown>;
  containers: Container[];
}

function render(dir: string): Resource[] {
  const out = execFileSync(kubectl ?? 'kubectl', ['kustomize', join(kubernetes, dir)], { encoding: 'utf8', stdio: 'pipe' });
  return parseAllDocuments(out).map((d) => d.toJS() as Resource);
}

const find = (resources: Resource[], kind: string, name?: string): Resource | undefined =>
  resources.find((r) => r.kind === kind && (name === undefined || r.metadata.name === name));

function podSpec(deployment: Resource | undefined): PodSpec {
  const spec = deployment?.spec as { template: { spec: PodSpec } } | undefined;
  if (!spec) throw new Error('no Deployment');
  return spec.template.spec;
}

/** Pod Security Standards "restricted", container level. */
function expectRestricted(c: Container | undefined): void {
  expect(c?.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
}

describe('kustomize', () => {
  maybe('base: Deployment, Service, ServiceMonitor, PrometheusRule = the rule file, dashboards for the Grafana sidecar', () => {
    const r = render('base');
    const pod = podSpec(find(r, 'Deployment', 'kvcanary'));
    const exporter = pod.containers.find((c) => c.name === 'kvcanary');
    expect(exporter?.args).toEqual(['serve', '--config=/etc/kvcanary/config.yaml', '--web.listen-address=:9464']);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expectRestricted(exporter);
    expect(JSON.stringify(exporter)).toMatch(/"secretKeyRef":\{[^}]*"name":"kvcanary-api-key"/);
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

  maybe('the ConfigMaps hold configurations the exporter accepts', () => {
    for (const dir of ['base', 'overlays/sidecar-example']) {
      const config = render(dir).find((x) => x.kind === 'ConfigMap' && x.metadata.name.startsWith('kvcanary-config'));
      const text = config?.data?.['config.yaml'];
      expect(text).toBeDefined();
      const parsed = parseConfig(parse(text ?? ''), `${dir} ConfigMap`);
      expect(parsed.targets?.length).toBeGreaterThan(0);
    }
  });

  maybe('replica discovery may read pods in the servers\' namespace, bound to the exporter\'s own account', () => {
    for (const [dir, namespace] of [['base', 'kvcanary'], ['overlays/kube-prometheus-stack', 'monitoring'], ['overlays/openshift', 'kvcanary']] as const) {
      const r = render(dir);
      // A namespaced Role would land beside the exporter, not beside the model servers it discovers.
      expect(find(r, 'Role')).toBeUndefined();
      expect(find(r, 'ClusterRole', 'kvcanary-pod-discovery')).toBeDefined();
      const binding = find(r, 'ClusterRoleBinding', 'kvcanary-pod-discovery') as (Resource & { subjects?: unknown }) | undefined;
      expect(binding?.subjects).toEqual([{ kind: 'ServiceAccount', name: 'kvcanary', namespace }]);
      expect(find(r, 'ServiceAccount', 'kvcanary')?.metadata.namespace).toBe(namespace);
    }
  });

  maybe('kube-prometheus-stack: ServiceMonitor and PrometheusRule carry the release label', () => {
    const r = render('overlays/kube-prometheus-stack');
    for (const kind of ['ServiceMonitor', 'PrometheusRule']) {
      expect(find(r, kind)?.metadata.labels?.release).toBe('kube-prometheus-stack');
    }
  });

  maybe('openshift: the restricted-v2 SCC picks the UID, so the pod sets none', () => {
    const r = render('overlays/openshift');
    const pod = podSpec(find(r, 'Deployment', 'kvcanary'));
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expectRestricted(pod.containers[0]);
    const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);
    expect(r.every((x) => x.metadata.namespace === 'kvcanary' || clusterScoped.has(x.kind))).toBe(true);
  });

  maybe('sidecar: the exporter joins the vLLM pod, scraped by a PodMonitor, with no standalone Deployment', () => {
    const r = render('overlays/sidecar-example');
    expect(find(r, 'Deployment', 'kvcanary')).toBeUndefined();
    expect(find(r, 'Service', 'kvcanary')).toBeUndefined();
    expect(find(r, 'ServiceMonitor')).toBeUndefined();
    const pod = podSpec(find(r, 'Deployment', 'vllm'));
    expect(pod.containers.map((c) => c.name).sort()).toEqual(['kvcanary', 'vllm']);
    expectRestricted(pod.containers.find((c) => c.name === 'kvcanary'));
    expect(find(r, 'PodMonitor', 'kvcanary')).toBeDefined();
  });
});
