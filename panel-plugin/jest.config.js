// force timezone to UTC to allow tests to work regardless of local timezone
process.env.TZ = 'UTC';

const { grafanaESModules, nodeModulesToTransform } = require('./.config/jest/utils');

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...require('./.config/jest.config'),
  // @kvcanary/contract ships ES modules (its built dist/, through its package.json exports): transformed
  // like Grafana's own ESM dependencies, whether npm links the workspace or copies it into node_modules.
  transformIgnorePatterns: [nodeModulesToTransform([...grafanaESModules, '@kvcanary/contract'])],
};
