// `.env.example` from the schemas of every app's configuration (the only
// readers of the environment), so the file cannot drift from what is read:
// `npm run env:example` writes it; env-example.test.ts fails when it is stale.
import { HEALTH_CODE_ENV } from '@itinerary-card/health-code';
import { OPERATOR_NODE_ENV } from '@itinerary-card/operator-node';
import { envExample } from '@itinerary-card/ops';
import { PLATFORM_ENV } from '@itinerary-card/platform';
import { SMPP_ENV } from '@itinerary-card/sms';
import { PIPELINE_ENV, TOPOLOGY_ENV } from './config.ts';

export const ENV_SECTIONS = [
  { title: 'Operator node: itinerary-card serve node', schema: OPERATOR_NODE_ENV },
  { title: 'Operator pipeline: itinerary-card pipeline', schema: PIPELINE_ENV },
  { title: 'Query platform: itinerary-card serve platform', schema: PLATFORM_ENV },
  { title: 'Health-code system: itinerary-card serve health-code', schema: HEALTH_CODE_ENV },
  { title: 'SMS over SMPP (PLATFORM_SMS=smpp; health-code system with SMPP_HOST)', schema: SMPP_ENV },
  { title: 'npm run topology', schema: TOPOLOGY_ENV },
];

export function envExampleText(): string {
  return envExample(ENV_SECTIONS, [
    'Every environment variable the servers and the command line read, generated from their',
    'schemas by `npm run env:example` (do not edit by hand; docs/deployment.md says more).',
    'Required variables are left empty; the others are commented out at their defaults.',
    'Booleans: true or false (1 and 0 are accepted too).',
  ]);
}
