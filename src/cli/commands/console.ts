// `ringmaster console NAME`: the VM's serial port on this terminal (raw mode; Ctrl-A x detaches,
// the VM keeps running).
import type { Command } from 'commander';
import { addSocketOption, clientAction, clientFor, type SocketFlags } from '../../hypervisor/cli-support.js';
import { SerialTerminal } from '../serial-terminal.js';

export function register(program: Command): void {
  const cmd = program.command('console').argument('<name>', 'VM name').description("attach this terminal to a VM's serial console (Ctrl-A x detaches)");
  addSocketOption(cmd).action((name: string, flags: SocketFlags) =>
    clientAction(async () => {
      const socket = await clientFor(flags).console(name);
      const terminal = new SerialTerminal((bytes) => socket.write(bytes));
      socket.on('data', (d: Buffer) => {
        for (const b of d) terminal.output(b);
      });
      await new Promise<void>((done) => {
        const poll = setInterval(() => {
          if (terminal.quitRequested) finish();
        }, 50);
        const finish = () => {
          clearInterval(poll);
          socket.destroy();
          done();
        };
        socket.on('close', finish);
        socket.on('error', finish);
      });
      terminal.close();
      process.stderr.write(`ringmaster: detached from ${name}; the VM keeps running\n`);
    }),
  );
}
