/**
 * The page script of one Grafana line, bundled by test/support/grafana-host.ts from that line's npm packages
 * (test/grafana-lines/<line>/package.json). It does in a browser what Grafana's frontend does with a panel
 * plugin and a Prometheus query:
 * - shares its modules with plugins as Grafana's plugin loader does (grafana/grafana,
 *   public/app/features/plugins/loader/: each shared module is registered in SystemJS under a `package:`
 *   URL and an import map points the bare name at it; plugin sources are fetched and AMD ones run against
 *   SystemJS's `define`), then imports the plugin's module.js with SystemJS;
 * - turns the backend's answer into frames with `toDataQueryResponse` (@grafana/runtime, what
 *   DataSourceWithBackend does with /api/ds/query) and `transformV2` (@grafana/prometheus, what the
 *   Prometheus data source does next), then applies the field config with `applyFieldOverrides` as the
 *   panel query runner does;
 * - renders `plugin.panel` in the line's ThemeContext inside PanelChrome, with PanelProps as Grafana builds them.
 * The bundle holds no kvcanary module: kvcanary reaches the page only as module.js.
 */
import 'systemjs/dist/system.js';
import 'systemjs/dist/extras/amd.js';
import * as emotionCss from '@emotion/css';
import * as emotionReact from '@emotion/react';
import * as grafanaData from '@grafana/data';
import { transformV2 } from '@grafana/prometheus';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUi from '@grafana/ui';
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import { createRoot } from 'react-dom/client';
import * as jsxRuntime from 'react/jsx-runtime';

/** What the test hands the page: the backend's answer and the dashboard panel it answers. */
export interface RenderRequest {
  /** URL of the plugin's module.js, as Grafana serves it (public/plugins/<id>/module.js). */
  moduleUrl: string;
  /** `results` of /api/ds/query: refId -> {status, frames} (test/support/grafana-backend.ts). */
  results: grafanaRuntime.BackendDataSourceResponse['results'];
  /** The dashboard panel's targets, variables replaced as the frontend sends them. */
  targets: Array<{ refId: string; expr: string; instant?: boolean; range?: boolean; format?: string; legendFormat?: string }>;
  /** The dashboard's panel options and field config, as the dashboard JSON has them. */
  options: Record<string, unknown>;
  fieldConfig?: grafanaData.FieldConfigSource;
  title: string;
  /** Dashboard variables by name, as templateSrv resolves `$name` and `${name}`. */
  variables: Record<string, string>;
  /** The dashboard's time range: epoch ms, and its raw text ("now-3h", "now"). */
  range: { from: number; to: number; raw: { from: string; to: string } };
  intervalMs: number;
  theme: 'dark' | 'light';
  width: number;
  height: number;
}

export interface RenderResult {
  /** Whether module.js's `plugin` export is a PanelPlugin of this line's @grafana/data (the shared module). */
  isPanelPlugin: boolean;
  /** Frames after transformV2, as the panel receives them: refId, name, fields with their labels. */
  frames: Array<{ refId?: string; name?: string; fields: Array<{ name: string; type: string; labels?: Record<string, string>; displayNameFromDS?: string }> }>;
}

declare global {
  interface Window {
    /** SystemJS's AMD `define`, kept before any other AMD loader can replace `window.define`. */
    __grafana_amd_define?: unknown;
    kvcanaryGrafana: { render(request: RenderRequest): Promise<RenderResult> };
  }
}

/** grafana/grafana, public/app/features/plugins/loader/constants.ts (SHARED_DEPENDENCY_PREFIX, JS_CONTENT_TYPE_REGEX). */
const SHARED_PREFIX = 'package:';
const JS_CONTENT = /^(text|application)\/(x-)?javascript(;|$)/;
/** A source that calls `define(`: webpack's AMD output, as create-plugin builds module.js. */
const AMD_SOURCE = /(^|\W)define\(/;

/** The modules Grafana shares with every plugin (loader/sharedDependencies.ts) that a panel can import from npm packages. */
const shared: Record<string, object> = {
  '@emotion/css': emotionCss,
  '@emotion/react': emotionReact,
  '@grafana/data': grafanaData,
  '@grafana/runtime': grafanaRuntime,
  '@grafana/ui': grafanaUi,
  react: React,
  'react-dom': ReactDOM,
  'react/jsx-runtime': jsxRuntime,
};

/**
 * The option editors panel builders look up (@grafana/data, utils/OptionsUIBuilders). Grafana registers its
 * own at start-up (public/app/core/components/OptionsUI/registry.tsx, in no npm package); this page shows no
 * options pane, so each id gets an editor that renders nothing. The standard field options are likewise
 * Grafana's own: left out, the field config keeps the dashboard's values, which is all this panel reads.
 */
const OPTION_EDITORS = ['boolean', 'color', 'dashboard-uid', 'field-name', 'multi-select', 'number', 'radio', 'select', 'slider', 'strings', 'text', 'timezone', 'unit'];

function registerOptionEditors(): void {
  grafanaData.standardEditorsRegistry.setInit(() => OPTION_EDITORS.map((id) => ({ id, name: id, editor: () => null })));
}

/** `?withhold=<name>` leaves one module unshared, to show that module.js then fails to load. */
function shareModules(withheld: string | null): void {
  const imports: Record<string, string> = {};
  for (const [name, module] of Object.entries(shared)) {
    if (name === withheld) continue;
    System.set(`${SHARED_PREFIX}${name}`, module);
    imports[name] = `${SHARED_PREFIX}${name}`;
  }
  System.addImportMap({ imports });
  // @grafana/runtime 10.x keeps it itself (utils/plugin.ts) and clears window.define; later lines leave it to the app.
  window.__grafana_amd_define ??= (window as unknown as { define: unknown }).define;
  const proto = Object.getPrototypeOf(System) as { shouldFetch(url: string): boolean; fetch(url: string, init?: RequestInit): Promise<Response> };
  const fetchOriginal = proto.fetch;
  proto.shouldFetch = () => true;
  proto.fetch = async function (url, init) {
    const response = await fetchOriginal.call(this, url, init);
    if (!JS_CONTENT.test(response.headers.get('content-type') ?? '')) return response;
    const source = await response.text();
    // Runs an AMD module against SystemJS's define even if another loader took window.define (Grafana's Monaco does).
    const text = AMD_SOURCE.test(source) ? `(function(define) {\n${source}\n})(window.__grafana_amd_define);` : source;
    return new Response(new Blob([text], { type: 'text/javascript' }));
  };
}

/** templateSrv's `$name` and `${name}` for single-value variables. */
function replacer(variables: Record<string, string>): (text: string) => string {
  return (text) => text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced?: string, bare?: string) => variables[braced ?? bare ?? ''] ?? whole);
}

async function render(request: RenderRequest): Promise<RenderResult> {
  const exports = (await System.import(request.moduleUrl)) as { plugin?: unknown };
  const plugin = exports.plugin;
  if (!(plugin instanceof grafanaData.PanelPlugin)) {
    return { isPanelPlugin: false, frames: [] };
  }
  const { dateTime, LoadingState, EventBusSrv, applyFieldOverrides, createTheme } = grafanaData;
  const theme = createTheme({ colors: { mode: request.theme } });
  const timeRange = { from: dateTime(request.range.from), to: dateTime(request.range.to), raw: request.range.raw };
  const replaceVariables = replacer(request.variables);
  const queries = request.targets.map((t) => ({ ...t, datasource: { type: 'prometheus', uid: 'prometheus' } }));

  const response = grafanaRuntime.toDataQueryResponse({ data: { results: request.results } }, queries);
  const transformed = transformV2(response, {
    requestId: 'kvcanary',
    app: 'dashboard',
    interval: `${request.intervalMs / 1000}s`,
    intervalMs: request.intervalMs,
    range: timeRange,
    scopedVars: {},
    targets: queries,
    timezone: 'browser',
    startTime: request.range.to,
  } as Parameters<typeof transformV2>[1], {});
  const fieldConfig: grafanaData.FieldConfigSource = request.fieldConfig ?? { defaults: {}, overrides: [] };
  const series = applyFieldOverrides({
    data: transformed.data,
    fieldConfig: { defaults: { ...plugin.fieldConfigDefaults.defaults, ...fieldConfig.defaults }, overrides: fieldConfig.overrides },
    fieldConfigRegistry: plugin.fieldConfigRegistry,
    replaceVariables: (text: string) => replaceVariables(text),
    theme,
    timeZone: 'browser',
  });
  const data = { state: LoadingState.Done, series, timeRange };
  const options = { ...plugin.defaults, ...request.options };
  const Panel = plugin.panel;
  if (!Panel) throw new Error('the PanelPlugin has no panel component');
  const noop = (): void => undefined;

  document.body.style.margin = '0';
  document.body.style.background = theme.colors.background.canvas;
  document.body.style.fontFamily = theme.typography.fontFamily;
  document.body.style.color = theme.colors.text.primary;
  const root = document.getElementById('root');
  if (!root) throw new Error('the page has no #root');
  const h = React.createElement;
  const props = (width: number, height: number): grafanaData.PanelProps => ({
    id: 1,
    data,
    title: request.title,
    timeRange,
    timeZone: 'browser',
    options,
    fieldConfig,
    transparent: false,
    width,
    height,
    renderCounter: 0,
    replaceVariables,
    onOptionsChange: noop,
    onFieldConfigChange: noop,
    onChangeTimeRange: noop,
    eventBus: new EventBusSrv(),
  });
  createRoot(root).render(
    h(
      grafanaUi.ThemeContext.Provider,
      { value: theme },
      h(grafanaUi.PanelChrome, {
        width: request.width,
        height: request.height,
        title: replaceVariables(request.title),
        children: (innerWidth: number, innerHeight: number) => h(Panel, props(innerWidth, innerHeight)),
      }),
    ),
  );
  return {
    isPanelPlugin: true,
    frames: series.map((frame) => ({
      refId: frame.refId,
      name: frame.name,
      fields: frame.fields.map((f) => ({ name: f.name, type: f.type, labels: f.labels, displayNameFromDS: f.config.displayNameFromDS })),
    })),
  };
}

registerOptionEditors();
shareModules(new URLSearchParams(window.location.search).get('withhold'));
window.kvcanaryGrafana = { render };
