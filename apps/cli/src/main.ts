// The itinerary-card command line: one sub-command per file in commands/.
import { Command } from 'commander';
import { registerCommands } from './commands/index.ts';

const program = new Command('itinerary-card')
  .description('Telecom big-data itinerary card (通信大数据行程卡) and city health code (昌通码 两码合一)')
  .showHelpAfterError()
  .configureHelp({ showGlobalOptions: true });

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const err = e as { code?: string; message?: string; details?: Record<string, unknown> };
  // An AppError's details (which file, which directory, how much) follow its message.
  const details = Object.entries(err.details ?? {})
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
  process.stderr.write(`itinerary-card: ${err.message ?? String(e)}${details ? ` [${details}]` : ''}\n`);
  process.exitCode = process.exitCode || 1;
}
