// An operator node in its own process, so a test can kill it for real
// (SIGKILL) and start it again on the same port. Env: PORT, NOW (epoch ms).
import { ManualClock } from '@itinerary-card/domain';
import { buildOperatorNode, SnapshotHolder } from '@itinerary-card/operator-node';
import { cmccSnapshots, SERVICE_SECRET } from './fixtures.ts';

const clock = new ManualClock(Number(process.env.NOW));
const holder = new SnapshotHolder();
for (const s of cmccSnapshots()) holder.publish(s);
const app = await buildOperatorNode({ nodeId: 'cmcc-1', serviceSecret: SERVICE_SECRET, holder, clock });
const url = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
process.stdout.write(`listening ${url}\n`);
