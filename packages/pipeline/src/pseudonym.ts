// Keyed pseudonyms for numbers in derived data: HMAC-SHA256 under the node's
// secret, so stored summaries and snapshots never hold a number in clear.
import { createHmac } from 'node:crypto';

export type Pseudonymizer = (msisdn: string) => string;

export function pseudonymizer(key: string | Buffer): Pseudonymizer {
  if (key.length < 16) throw new RangeError('pseudonym key must be at least 16 bytes');
  return (msisdn) => createHmac('sha256', key).update(msisdn).digest('base64url').slice(0, 22);
}
