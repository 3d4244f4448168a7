// `itinerary-card env-example [--out FILE]`: the `.env.example` generated from
// the apps' configuration schemas (`npm run env:example` writes the checked-in one).
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';

export function registerEnvExample(program: Command): void {
  program
    .command('env-example')
    .description("print (or write with --out) .env.example, generated from the apps' configuration schemas")
    .option('--out <file>', 'write it to this file')
    .action(async (o: { out?: string }) => {
      const { envExampleText } = await import('../env-example.ts');
      if (o.out) writeFileSync(o.out, envExampleText());
      else process.stdout.write(envExampleText());
    });
}
