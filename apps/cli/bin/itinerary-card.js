#!/usr/bin/env node
// Entry point of the `itinerary-card` command: registers the TypeScript loader
// (tsx) so the sources run as they are, then hands over to the CLI.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
