// Keyed pseudonyms for numbers in derived data: HMAC-SHA256 under the node's
// secret, so stored summaries and snapshots never hold a number in clear.
import { createHmac } from 'node:crypto';

export type Pseudonymizer = (msisdn: string) => string;

export function pseudonymizer(key: string | Buffer): Pseudonymizer {
  if (key.length < 16) throw new RangeError('pseudonym key must be at least 16 bytes');
  return (msisdn) => createHmac('sha256', key).update(msisdn).digest('base64url').slice(0, 22);
}

/**
 * A fingerprint of the pseudonym key, stored with each snapshot so a node run
 * with another key refuses it instead of answering every number NO_DATA: an
 * HMAC of a fixed label, which tells nothing about the key itself.
 */
export function keyFingerprint(key: string | Buffer): string {
  return createHmac('sha256', key).update('itinerary-card pseudonym key fingerprint v1').digest('hex').slice(0, 32);
}
