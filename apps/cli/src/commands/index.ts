// Every sub-command of the CLI; each file exports a function adding itself to the program.
import type { Command } from 'commander';
import { registerCompute } from './compute.ts';
import { registerDemo } from './demo.ts';
import { registerEval } from './eval.ts';
import { registerPipeline } from './pipeline.ts';
import { registerServe } from './serve.ts';
import { registerSimulate } from './simulate.ts';

type Register = (program: Command) => void;

const registrations: Register[] = [
  registerDemo,
  registerCompute,
  registerSimulate,
  registerEval,
  registerPipeline,
  registerServe,
];

export function registerCommands(program: Command): void {
  for (const register of registrations) register(program);
}
