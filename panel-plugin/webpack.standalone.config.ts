/*
 * The builds that are not the Grafana plugin, from the same sources:
 * - dist-standalone/: the exporter's own page at `/` (React, @grafana/ui and the view bundled; no Grafana server);
 * - dist-harness/: the page the browser test mounts the Grafana panel component in (never shipped).
 * Nothing is external here: there is no Grafana to provide React or @grafana/ui.
 */
import CopyWebpackPlugin from 'copy-webpack-plugin';
import path from 'path';
import type { Configuration } from 'webpack';
import { swcRule, type Env } from './.config/webpack/webpack.config.ts';

function page(env: Env, name: string, entry: string, html: string, outDir: string, extra: string[] = []): Configuration {
  return {
    name,
    context: path.join(process.cwd(), 'src'),
    mode: env.production ? 'production' : 'development',
    devtool: env.production ? false : 'eval-source-map',
    cache: { type: 'filesystem', name: `${name}-${env.production ? 'production' : 'development'}` },
    entry: { [name]: entry },
    module: {
      rules: [
        swcRule,
        { test: /\.css$/, type: 'asset/resource', generator: { emit: false } },
        { test: /\.(woff2?|eot|ttf|otf|png|jpe?g|gif|svg)$/, type: 'asset/resource' },
      ],
    },
    output: { path: path.resolve(process.cwd(), outDir), filename: '[name].js', publicPath: '', clean: true },
    performance: { hints: false },
    plugins: [new CopyWebpackPlugin({ patterns: [{ from: html, to: 'index.html' }, ...extra.map((from) => ({ from, to: '.' }))] })],
    resolve: { extensions: ['.js', '.jsx', '.ts', '.tsx'], modules: [path.resolve(process.cwd(), 'src'), 'node_modules'] },
  };
}

export default (env: Env): Configuration[] => [
  page(env, 'standalone', './standalone/index.tsx', 'standalone/index.html', 'dist-standalone', ['img/logo.svg']),
  page(env, 'harness', './harness/harness.tsx', 'harness/harness.html', 'dist-harness'),
];
