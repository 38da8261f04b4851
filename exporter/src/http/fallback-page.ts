/** The page at `/` when the standalone comparison page has not been built: where everything is. */
function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function fallbackPage(targets: readonly string[]): string {
  const probes = targets.map((t) => `<li><a href="probe?target=${encodeURIComponent(t)}">probe?target=${escape(t)}</a> — one conversation now</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kvcanary</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:2em auto;padding:0 1em}code{background:#8882;padding:0 .2em}</style>
</head><body>
<h1>kvcanary exporter</h1>
<ul>
<li><a href="metrics">metrics</a> — Prometheus exposition (OpenMetrics with exemplars on request)</li>
<li><a href="api/v1/summary">api/v1/summary</a> — the current window per target, with 95% intervals (JSON)</li>
${probes}
<li><a href="-/healthy">-/healthy</a>, <a href="-/ready">-/ready</a></li>
</ul>
<p>The comparison page is served here once built: <code>npm run build -w panel-plugin</code> (it writes <code>panel-plugin/dist-standalone/</code>).</p>
</body></html>
`;
}
