// Every sub-command of the CLI; each file exports a function adding itself to the program.
// A command's heavy modules (DuckDB, Fastify, the services) are imported when it runs, so
// `--help` and each command load only what they use.
import type { Command } from 'commander';
import { registerCompute } from './compute.ts';
import { registerDemo } from './demo.ts';
import { registerEnvExample } from './env-example.ts';
import { registerEval } from './eval.ts';
import { registerPipeline } from './pipeline.ts';
import { registerServe } from './serve.ts';
import { registerSimulate } from './simulate.ts';
import { registerTopology } from './topology.ts';

type Register = (program: Command) => void;

const registrations: Register[] = [
  registerDemo,
  registerCompute,
  registerSimulate,
  registerEval,
  registerPipeline,
  registerServe,
  registerTopology,
  registerEnvExample,
];

export function registerCommands(program: Command): void {
  for (const register of registrations) register(program);
}
