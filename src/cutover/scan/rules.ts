import { HADOOP_RULES } from './rules-hadoop.js';
import { IAC_RULES } from './rules-iac.js';
import { SDK_RULES } from './rules-sdk.js';
import { URI_RULES } from './rules-uri.js';
import type { Rule } from './types.js';

/** Every rule, as data (ids are unique; docs/cutover-scan.md lists them). */
export const ALL_RULES: readonly Rule[] = [...URI_RULES, ...HADOOP_RULES, ...IAC_RULES, ...SDK_RULES];
