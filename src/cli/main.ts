// Command-line entry point. Each command lives in its own file under commands/ and
// registers itself on the program; this file only lists them.
import { Command, CommanderError } from 'commander';
import { UsageError } from './errors.js';
import { register as registerRun } from './commands/run.js';
import { register as images } from './commands/images.js';
import { register as conformance } from './commands/conformance.js';
import { register as difftest } from './commands/difftest.js';
import { register as web } from './commands/web.js';
import { register as daemon } from './commands/daemon.js';
import { register as create } from './commands/create.js';
import { register as ls } from './commands/ls.js';
import { register as vmConsole } from './commands/console.js';
import { register as logs } from './commands/logs.js';
import { register as vmctl } from './commands/vmctl.js';
import { register as snapshot } from './commands/snapshot.js';
import { register as restore } from './commands/restore.js';

const program = new Command();
program
  .name('ringmaster')
  .description('A full-system x86 virtual machine monitor in TypeScript')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

// Command registrations (one import per command file).
const commands: Array<(p: Command) => void> = [registerRun, images, conformance, difftest, daemon, create, ls, vmConsole, logs, vmctl, snapshot, restore, web];
for (const register of commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version exit through here with code 0; usage errors with code 2.
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  if (err instanceof UsageError) {
    process.stderr.write(`ringmaster: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
