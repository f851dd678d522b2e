export { startDashboard, type Dashboard, type DashboardOptions } from './server.js';
export { recordValidation, listValidations } from './validations.js';
export { dashboardModules, type DashboardModule, type DashboardContext } from './modules/index.js';
