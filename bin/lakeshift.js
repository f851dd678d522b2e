#!/usr/bin/env node
// Entry point: runs the bundled CLI (dist/bundle, built by `npm run build` with esbuild: one start-up
// without resolving hundreds of modules) when present, else the compiled CLI, else the TypeScript
// sources through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundled = join(root, 'dist', 'bundle', 'main.js');
const compiled = join(root, 'dist', 'cli', 'main.js');
if (existsSync(bundled)) {
  await import(pathToFileURL(bundled).href);
} else if (existsSync(compiled)) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href);
}
