/** Every dashboard file `npm run generate -w dashboards` writes, relative to dashboards/; the tests diff them. */
import { renderMainDashboard } from './main-dashboard.js';

export const mainDashboardPath = 'json/kvcanary-overview.json';

export function generatedDashboards(): Map<string, string> {
  return new Map([[mainDashboardPath, renderMainDashboard()]]);
}
