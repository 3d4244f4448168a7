// The command line's own variables, as schemas read here and nowhere else: the
// pipeline's pseudonym key and the topology's HAProxy. `serve` reads nothing
// itself: each app's config module reads its own variables.
import { Env, type EnvSource, readEnv } from '@itinerary-card/ops';
import { Type } from 'typebox';

/** `itinerary-card pipeline …` (docs/deployment.md, "Operator node"). */
export const PIPELINE_ENV = Type.Object({
  NODE_PSEUDONYM_KEY: Env.secret(16, {
    description: 'The key of the pseudonyms in the daily summaries and snapshots; the same for the node.',
  }),
});

/** `npm run topology` (docs/deployment.md, "The whole topology on one machine"). */
export const TOPOLOGY_ENV = Type.Object({
  HAPROXY_BIN: Env.string({ description: 'The HAProxy binary of `npm run topology`.', default: '/usr/sbin/haproxy' }),
});

/** NODE_PSEUDONYM_KEY, or CONFIG_INVALID naming it. */
export function readPseudonymKey(env: EnvSource = process.env): string {
  return readEnv(PIPELINE_ENV, env).NODE_PSEUDONYM_KEY;
}

export function readTopologyConfig(env: EnvSource = process.env): { haproxyBin: string } {
  return { haproxyBin: readEnv(TOPOLOGY_ENV, env).HAPROXY_BIN };
}
