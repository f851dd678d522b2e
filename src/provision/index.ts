export { parseGen1Account, type Gen1Account } from './gen1-account.js';
export { parseRoleAssignments, mapRoles, ROLE_MAPPING, DATA_ROLES, type RoleAssignment } from './role-map.js';
export { buildProvisionModel, GRS_REASON, STORAGE_API_VERSION, type ProvisionModel, type RootAcl } from './model.js';
export { generateProvision, IAC_FORMATS, FORMAT_FILES, REPORT_FILES, type IacFormat } from './provision.js';
export { readRootAcls, mergedIdentityMap } from './root-acls.js';
export { writeFilesAtomically } from './write-out.js';
