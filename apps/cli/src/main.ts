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
  const err = e as { code?: string; message?: string };
  process.stderr.write(`itinerary-card: ${err.message ?? String(e)}\n`);
  process.exitCode = process.exitCode || 1;
}
