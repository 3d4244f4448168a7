// Which shard of an operator holds a subscriber: CRC-32 (IEEE, as zlib and
// HAProxy's `crc32` converter compute it) of the number's ASCII digits, modulo
// the shard count. One function for the pipeline that splits the input, the
// proxy that routes the platform's calls and the platform's per-shard circuit
// breakers, so the three always agree.

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of an ASCII string (a phone number), as an unsigned 32-bit integer. */
export function crc32Ascii(s: string): number {
  let c = 0xffffffff;
  for (let i = 0; i < s.length; i++) c = TABLE[(c ^ s.charCodeAt(i)) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * The shard (0 … shards-1) of a number. In HAProxy:
 * `path,field(5,/),crc32,mod(<shards>)` on `/internal/v1/itinerary/<msisdn>`.
 */
export function subscriberShard(msisdn: string, shards: number): number {
  if (shards <= 1) return 0;
  return crc32Ascii(msisdn) % shards;
}
