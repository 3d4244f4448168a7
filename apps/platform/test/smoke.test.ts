import { afterAll, beforeAll, expect, it } from 'vitest';
import { login, startTestPlatform, type TestPlatform } from './fixtures.ts';

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(async () => p?.close());

it('smoke', async () => {
  const token = await login(p, '13800000001');
  const r = await p.app.inject({
    url: '/api/v1/itinerary',
    headers: { authorization: `Bearer ${token}`, 'x-client-time': String(p.clock.now()) },
  });
  console.log(r.statusCode, r.body);
  expect(r.statusCode).toBe(200);
});
