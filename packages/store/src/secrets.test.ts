import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Secrets } from './secrets.ts';

describe('Secrets', () => {
  it('mac is HMAC-SHA256 of purpose, NUL and value under the key (codes stored earlier still verify)', () => {
    for (const key of ['bench-secret-key-0123456789', '密钥-ключ-🔑', 'x'.repeat(200)]) {
      const s = new Secrets(key);
      for (const [purpose, value] of [
        ['code', '13800000001:123456'],
        ['code', ''],
        ['device', '号码'],
      ] as const) {
        const want = createHmac('sha256', key).update(purpose).update('\0').update(value).digest('base64url');
        expect(s.mac(purpose, value)).toBe(want);
      }
    }
  });

  it('mac depends on the key and on the purpose', () => {
    const a = new Secrets('key-a-0123456789');
    const b = new Secrets('key-b-0123456789');
    expect(a.mac('code', '1:1')).not.toBe(b.mac('code', '1:1'));
    expect(a.mac('code', '1:1')).not.toBe(a.mac('device', '1:1'));
  });
});
