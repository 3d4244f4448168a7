// What compute keeps of each subscriber's days: the window's distinct cities and
// countries and whether it had a record, in flat typed arrays rather than two Sets
// per subscriber. A Set (or array) per subscriber, on the bench world's 20,000
// numbers, kept the young generation full of objects that live until the lines are
// made: most of the garbage collector's 50-100 ms a run.
import type { DayOutput } from '@itinerary-card/stay-engine';

export class WindowResults {
  /** Per subscriber: where its cities start in `found`, then its countries after them. */
  private readonly start: Int32Array;
  private readonly cityCount: Int32Array;
  private readonly countryCount: Int32Array;
  private readonly had: Uint8Array;
  private found = new Int32Array(1 << 12);
  private used = 0;

  constructor(
    subscribers: number,
    /** Index of the window's first day among the days run. */
    private readonly windowFrom: number,
    private readonly dayCount: number,
  ) {
    this.start = new Int32Array(subscribers);
    this.cityCount = new Int32Array(subscribers);
    this.countryCount = new Int32Array(subscribers);
    this.had = new Uint8Array(subscribers);
  }

  /** Takes a subscriber's days (each subscriber once). */
  add(sub: number, days: readonly DayOutput[]): void {
    const at = this.used;
    let cities = 0;
    let had = false;
    for (let d = this.windowFrom; d < this.dayCount; d++) {
      const o = days[d]!;
      if (o.hadRecord) had = true;
      for (const x of o.cities) if (this.put(at, cities, x)) cities++;
    }
    let countries = 0;
    for (let d = this.windowFrom; d < this.dayCount; d++)
      for (const x of days[d]!.countries) if (this.put(at + cities, countries, x)) countries++;
    this.start[sub] = at;
    this.cityCount[sub] = cities;
    this.countryCount[sub] = countries;
    this.had[sub] = had ? 1 : 0;
    this.used = at + cities + countries;
  }

  /** Adds x after the `n` values at `from` unless it is among them; whether it was added. */
  private put(from: number, n: number, x: number): boolean {
    const f = this.found;
    for (let i = from; i < from + n; i++) if (f[i] === x) return false;
    if (from + n >= f.length) {
      const bigger = new Int32Array(f.length * 2);
      bigger.set(f);
      this.found = bigger;
    }
    this.found[from + n] = x;
    return true;
  }

  /** Whether the subscriber had a record in the window. */
  hadRecord(sub: number): boolean {
    return this.had[sub] === 1;
  }

  /** The subscriber's window cities (or countries) by `codes`, sorted. */
  cities(sub: number, codes: readonly string[]): string[] {
    return this.codesOf(this.start[sub]!, this.cityCount[sub]!, codes);
  }

  countries(sub: number, codes: readonly string[]): string[] {
    return this.codesOf(this.start[sub]! + this.cityCount[sub]!, this.countryCount[sub]!, codes);
  }

  private codesOf(from: number, n: number, codes: readonly string[]): string[] {
    const out: string[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = codes[this.found[from + i]!]!;
    return out.sort();
  }
}
