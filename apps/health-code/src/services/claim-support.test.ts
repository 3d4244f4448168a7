// A replica keeps the claim markers it read (every check-in asks for one), and a
// claim made on another replica reaches it at once: the old phone's sessions stop
// acting for the person there too.
import { ManualClock } from '@itinerary-card/domain';
import { type KeyValue, MemoryKeyValue } from '@itinerary-card/store';
import { expect, it } from 'vitest';
import type { Person } from '../repositories/people-repo.ts';
import { ClaimSupport } from './claim-support.ts';

const T0 = Date.parse('2022-09-08T10:00:00+08:00');

it('a kept marker is not read again, and a claim on another replica drops it at once', async () => {
  const clock = new ManualClock(T0);
  const shared = new MemoryKeyValue(() => clock.now());
  let reads = 0;
  // Both replicas share the store; reads of replica b are counted.
  const counted = new Proxy(shared, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (prop === 'get') {
        return (k: string) => {
          reads++;
          return shared.get(k);
        };
      }
      return typeof v === 'function' ? v.bind(target) : v;
    },
  }) as KeyValue;
  const sms = { send: async () => ({ id: '1' }) };
  const a = new ClaimSupport(shared, sms, clock, '昌通码', () => {}, 30_000);
  const b = new ClaimSupport(counted, sms, clock, '昌通码', () => {}, 30_000);
  await a.start();
  await b.start();
  try {
    const proxyPhone = '13900000001';
    expect(await b.holderChanged('P1', proxyPhone)).toBe(false);
    expect(await b.holderChanged('P1', proxyPhone)).toBe(false);
    expect(reads).toBe(1);
    // The ID's owner claims the code on replica a: the phone that registered for them lets go on b.
    const person = { id: 'P1', phone: '13900000002', name: '王小明', idNumber: '360102199001015550' } as Person;
    await a.claimed(person, proxyPhone);
    expect(await b.holderChanged('P1', proxyPhone)).toBe(true);
    expect(await b.holderChanged('P1', person.phone)).toBe(false);
  } finally {
    await a.stop();
    await b.stop();
    await shared.close();
  }
});
