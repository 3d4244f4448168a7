// A Bloom filter per audit segment, read by SQL: bit i is get_bit(keys, i)
// (byte i >> 3, bit i & 7). A key sets K bits at (h1 + j * h2) mod m, where h1
// and h2 are two 32-bit FNV-1a hashes of the key and m, the filter's size in
// bits, is a power of two (so an odd h2 reaches every bit). The query side only
// needs h1 and h2: `probeSql` tests the K bits in the database against each
// segment's own size.

/** Bits set per key. */
export const K = 7;
/** Filter bits per key: with K = 7, about 0.1% false positives. */
const BITS_PER_KEY = 16;

function fnv1a(s: string, basis: number): number {
  let h = basis;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Writes the two hashes of prefix + key at out[at], out[at + 1] (no string built, no array). */
export function hashInto(out: Uint32Array, at: number, key: string, prefix = ''): void {
  out[at] = fnv1a(key, fnv1a(prefix, 0x811c9dc5));
  out[at + 1] = (fnv1a(key, fnv1a(prefix, 0x050c5d1f)) | 1) >>> 0;
}

/** The two hashes of a key; h2 is odd. */
export function keyHashes(key: string): [number, number] {
  const out = new Uint32Array(2);
  hashInto(out, 0, key);
  return [out[0]!, out[1]!];
}

/**
 * A filter over the keys whose hash pairs (h1, h2) fill hashes[from, to); a
 * key may come more than once. Sized for the distinct keys, told apart by h1
 * (a rare clash only makes the filter a little smaller).
 */
export function filterFromHashes(hashes: Uint32Array, from: number, to: number): Uint8Array {
  const distinct = new Set<number>();
  for (let i = from; i < to; i += 2) distinct.add(hashes[i]!);
  // A power of two, at least 64 bytes.
  let bytes = 64;
  while (bytes * 8 < distinct.size * BITS_PER_KEY) bytes *= 2;
  const filter = new Uint8Array(bytes);
  // m is a power of two (far below 2^31), so (h1 + j * h2) mod m is the low bits
  // of the sum taken in 32-bit integers: no floating-point modulo (the costliest
  // step of a flush), and the same bits as `probeSql` and `mayContain`.
  const mask = bytes * 8 - 1;
  for (let i = from; i < to; i += 2) {
    const h1 = hashes[i]!;
    const h2 = hashes[i + 1]!;
    for (let j = 0; j < K; j++) {
      const bit = ((h1 + Math.imul(j, h2)) >>> 0) & mask;
      filter[bit >> 3]! |= 1 << (bit & 7);
    }
  }
  return filter;
}

/** What a filter answers for a key (the same test as `probeSql`, in JS). */
export function mayContain(filter: Uint8Array, key: string): boolean {
  if (filter.length === 0) return true;
  const m = filter.length * 8;
  const [h1, h2] = keyHashes(key);
  for (let j = 0; j < K; j++) {
    const bit = (h1 + j * h2) % m;
    if ((filter[bit >> 3]! & (1 << (bit & 7))) === 0) return false;
  }
  return true;
}

/**
 * A condition on `alias`.keys true when the segment may hold the key whose
 * hashes are the parameters $h1 and $h2 (an empty filter always may).
 */
export function probeSql(alias: string, h1: number, h2: number): string {
  return `(length(${alias}.keys) = 0 OR NOT EXISTS (
    SELECT 1 FROM generate_series(0, ${K - 1}) AS j
    WHERE get_bit(${alias}.keys, (($${h1}::bigint + j * $${h2}::bigint) % (length(${alias}.keys) * 8))::int) = 0))`;
}
