/** `npm run guide:html [DIR]`: writes the guide as static HTML (default dist/guide/); open index.html. */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { renderGuide } from './render.js';

const out = process.argv[2] === undefined ? fileURLToPath(new URL('../../dist/guide/', import.meta.url)) : resolve(process.argv[2]);
await mkdir(out, { recursive: true });
const pages = await renderGuide();
for (const p of pages) await writeFile(join(out, p.file), p.html);
process.stdout.write(`wrote ${pages.length} pages to ${out}\n`);
