// Test helpers for everyone, behind `@itinerary-card/store/testing` so no production
// entry point carries them: throw-away PostgreSQL and Redis servers and a free port.
export { freePort, freePortRun } from './free-port.ts';
export { killAndWait, type StartPostgresOptions, startPostgres, type TestServer } from './start-postgres.ts';
export { type StartRedisOptions, startRedis } from './start-redis.ts';
