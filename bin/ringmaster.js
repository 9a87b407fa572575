#!/usr/bin/env node
// The ringmaster executable: runs the compiled CLI (npm run build / make builds dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error('ringmaster: not built yet — run `make run` or `npm run build` first');
  process.exit(2);
}
await import(main.href);
