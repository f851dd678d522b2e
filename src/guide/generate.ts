/** `npm run guide:generate`: regenerates the generated parts of docs/guide (the capability table). */
import { fileURLToPath } from 'node:url';
import { writeCapabilityPage } from './capability-table.js';

const page = fileURLToPath(new URL('../../docs/guide/capabilities.md', import.meta.url));
const changed = await writeCapabilityPage(page);
process.stdout.write(changed ? `rewrote the capability table in ${page}\n` : `${page} is up to date\n`);
