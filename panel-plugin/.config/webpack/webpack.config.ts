/*
 * Scaffolded by `@grafana/create-plugin` 7.1.7 and trimmed for kvcanary: the development-only plugins
 * (live reload, fork-ts-checker, eslint-webpack-plugin) and subresource integrity are left out because
 * type checking and lint run as their own steps (`npm test`), and each one is a heavy install.
 * Extend the config from ../../webpack.standalone.config.ts rather than editing this file.
 */

import CopyWebpackPlugin from 'copy-webpack-plugin';
import path from 'path';
import ReplaceInFileWebpackPlugin from 'replace-in-file-webpack-plugin';
import TerserPlugin from 'terser-webpack-plugin';
import webpack, { type Configuration } from 'webpack';
import VirtualModulesPlugin from 'webpack-virtual-modules';

import { BuildModeWebpackPlugin } from './BuildModeWebpackPlugin.ts';
import { DIST_DIR, SOURCE_DIR } from '../bundler/constants.ts';
import { getCPConfigVersion, getEntries, getPackageJson, getPluginJson } from '../bundler/utils.ts';
import { externals } from '../bundler/externals.ts';
import { copyFilePatterns } from '../bundler/copyFiles.ts';

const pluginJson = getPluginJson();
const cpVersion = getCPConfigVersion();
const pluginVersion = getPackageJson().version;
const virtualPublicPath = new VirtualModulesPlugin({
  'node_modules/grafana-public-path.js': `
import amdMetaModule from 'amd-module';

__webpack_public_path__ =
  amdMetaModule && amdMetaModule.uri
    ? amdMetaModule.uri.slice(0, amdMetaModule.uri.lastIndexOf('/') + 1)
    : 'public/plugins/${pluginJson.id}/';
`,
});

export type Env = {
  [key: string]: true | string | Env;
};

/** The swc options shared with the standalone build, so both bundles compile the sources the same way. */
export const swcRule = {
  exclude: /(node_modules)/,
  test: /\.[tj]sx?$/,
  use: {
    loader: 'swc-loader',
    options: {
      jsc: {
        baseUrl: path.resolve(process.cwd(), SOURCE_DIR),
        target: 'es2015',
        loose: false,
        parser: {
          syntax: 'typescript',
          tsx: true,
          decorators: false,
          dynamicImport: true,
        },
      },
    },
  },
};

const config = async (env: Env): Promise<Configuration> => ({
  cache: {
    type: 'filesystem',
    buildDependencies: {
      config: [path.resolve(process.cwd(), '.config', 'webpack', 'webpack.config.ts')],
    },
  },

  context: path.join(process.cwd(), SOURCE_DIR),

  devtool: env.production ? 'source-map' : 'eval-source-map',

  entry: await getEntries(),

  externals,

  mode: env.production ? 'production' : 'development',

  module: {
    rules: [
      // This must come first in the rules array otherwise it breaks sourcemaps.
      {
        test: /src\/(?:.*\/)?module\.tsx?$/,
        use: [
          {
            loader: 'imports-loader',
            options: {
              imports: `side-effects grafana-public-path`,
            },
          },
        ],
      },
      swcRule,
      {
        test: /\.(png|jpe?g|gif|svg)$/,
        type: 'asset/resource',
        generator: {
          filename: Boolean(env.production) ? '[hash][ext]' : '[file]',
        },
      },
    ],
  },

  optimization: {
    minimize: Boolean(env.production),
    minimizer: [
      new TerserPlugin({
        terserOptions: {
          format: {
            comments: (_, { type, value }) => type === 'comment2' && value.trim().startsWith('[create-plugin]'),
          },
          compress: {
            drop_console: ['log', 'info'],
          },
        },
      }),
    ],
  },

  output: {
    clean: true,
    filename: '[name].js',
    chunkFilename: env.production ? '[name].js?_cache=[contenthash]' : '[name].js',
    library: {
      type: 'amd',
    },
    path: path.resolve(process.cwd(), DIST_DIR),
    publicPath: `public/plugins/${pluginJson.id}/`,
    uniqueName: pluginJson.id,
    crossOriginLoading: 'anonymous',
  },

  performance: { hints: false },

  plugins: [
    new BuildModeWebpackPlugin(),
    virtualPublicPath,
    // Insert create plugin version information into the bundle
    new webpack.BannerPlugin({
      banner: `/* [create-plugin] version: ${cpVersion} */
        /* [create-plugin] plugin: ${pluginJson.id}@${pluginVersion} */`,
      raw: true,
      entryOnly: true,
    }),
    new CopyWebpackPlugin({
      patterns: copyFilePatterns,
    }),
    // Replace certain template-variables in the README and plugin.json
    new ReplaceInFileWebpackPlugin([
      {
        dir: DIST_DIR,
        test: [/(^|\/)plugin\.json$/, /(^|\/)README\.md$/],
        rules: [
          { search: /%VERSION%/g, replace: pluginVersion },
          { search: /%TODAY%/g, replace: new Date().toISOString().substring(0, 10) },
          { search: /%PLUGIN_ID%/g, replace: pluginJson.id },
        ],
      },
    ]),
  ],

  resolve: {
    extensions: ['.js', '.jsx', '.ts', '.tsx'],
    // handle resolving "rootDir" paths
    modules: [path.resolve(process.cwd(), 'src'), 'node_modules'],
    unsafeCache: true,
  },
});

export default config;
