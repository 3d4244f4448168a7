// The system the browser tests talk to: the query platform serving the built
// pages, its SMS outbox, and an operator node that can be taken down.
import { startFakePlatform } from './fake-platform.ts';

export const NUMBERS = {
  normal: '13800000001',
  border: '13900000002',
  abroad: '13700000003',
  newNumber: '15000000004',
  wrongCode: '13600000005',
  outage: '18800000006',
} as const;

export interface CardHarness {
  url: string;
  /** The newest verification code sent to this number. */
  latestCode(msisdn: string): Promise<string>;
  /** Takes the operator node down (true) or brings it back (false). */
  operatorDown(down: boolean): Promise<void>;
  /** The places line the card should show for the scenario numbers. */
  expectedPlaces: { normal: string; border: string; abroad: string };
  /** What the third wrong code answers. */
  thirdWrongCodeMessage: string;
  close(): Promise<void>;
}

export async function startHarness(): Promise<CardHarness> {
  let down = false;
  const nanchang = { code: '360100', province: '江西省', city: '南昌市', risk: false };
  const answers = {
    [NUMBERS.normal]: { cities: [nanchang, { code: '440300', province: '广东省', city: '深圳市', risk: true }] },
    [NUMBERS.border]: { cities: [nanchang] },
    [NUMBERS.abroad]: { cities: [nanchang], countries: [{ code: 'JP', name: '日本' }] },
    [NUMBERS.newNumber]: { error: 'NEW_SUBSCRIBER' as const },
    [NUMBERS.wrongCode]: { cities: [nanchang] },
    get [NUMBERS.outage]() {
      return down ? { error: 'QUERY_FAILED' as const } : { cities: [nanchang] };
    },
  };
  const fake = await startFakePlatform(answers);
  return {
    url: fake.url,
    async latestCode(msisdn) {
      const text = fake.outbox(msisdn).at(-1)?.text ?? '';
      const m = /\d{6}/.exec(text);
      if (!m) throw new Error(`no code in the outbox for ${msisdn.slice(0, 3)}****`);
      return m[0];
    },
    async operatorDown(d) {
      down = d;
    },
    expectedPlaces: { normal: '江西省南昌市，广东省深圳市*', border: '江西省南昌市', abroad: '江西省南昌市，日本' },
    thirdWrongCodeMessage: '验证码错误次数过多',
    close: () => fake.close(),
  };
}
