#!/usr/bin/env node
// The ringmaster executable: runs the compiled CLI (npm run build / make builds dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { nodeFlags } from './node-flags.js';
const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error('ringmaster: not built yet — run `make run` or `npm run build` first');
  process.exit(2);
}
const flags = nodeFlags();
if (flags.length === 0) {
  if (process.env.RINGMASTER_PARENT_CHANNEL === '1') {
    // Started again by the block below: go when that process goes, even if it was killed outright
    // (its end of the IPC channel closes), also before this line was reached.
    delete process.env.RINGMASTER_PARENT_CHANNEL;
    if (!process.connected) process.exit(137);
    process.on('disconnect', () => process.exit(137));
    process.channel?.unref();
  }
  await import(main.href);
} else {
  // V8 reads these only at start: run again with them, on the same terminal and arguments.
  const child = spawn(process.execPath, [...process.execArgv, ...flags, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, RINGMASTER_PARENT_CHANNEL: '1' },
  });
  // The terminal sends SIGINT and SIGQUIT to both processes; the child decides. Others are passed on.
  for (const s of ['SIGINT', 'SIGQUIT']) process.on(s, () => {});
  for (const s of ['SIGTERM', 'SIGHUP']) process.on(s, () => child.kill(s));
  child.on('error', (e) => {
    console.error(`ringmaster: cannot start node again: ${e.message}`);
    process.exit(2);
  });
  child.on('exit', (code, signal) => {
    if (signal === null) process.exit(code ?? 1);
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
}
