// One series' samples in time order, in a ring that grows by doubling and drops from its old
// end: appends and evictions cost O(1), a window is found by binary search.

export class SampleRing {
  private times: Float64Array;
  private values: Float64Array;
  /** 1 where the sample is a staleness marker (the series went away at that time). */
  private stale: Uint8Array;
  private head = 0;
  private count = 0;

  constructor(capacity = 16) {
    this.times = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
    this.stale = new Uint8Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  get lastTime(): number | undefined {
    return this.count === 0 ? undefined : this.times[this.slot(this.count - 1)];
  }

  get lastIsStale(): boolean {
    return this.count > 0 && this.stale[this.slot(this.count - 1)] === 1;
  }

  /** Appends in time order: an older sample is dropped, one at the same time replaces the last. */
  push(time: number, value: number, stale: boolean): void {
    const last = this.lastTime;
    if (last !== undefined && time < last) return;
    if (last !== undefined && time === last) {
      const slot = this.slot(this.count - 1);
      this.values[slot] = value;
      this.stale[slot] = stale ? 1 : 0;
      return;
    }
    if (this.count === this.times.length) this.grow();
    const slot = this.slot(this.count);
    this.times[slot] = time;
    this.values[slot] = value;
    this.stale[slot] = stale ? 1 : 0;
    this.count++;
  }

  /** Drops samples at or before `cutoff`. */
  evictThrough(cutoff: number): void {
    while (this.count > 0 && this.times[this.head]! <= cutoff) {
      this.head = (this.head + 1) % this.times.length;
      this.count--;
    }
  }

  /** Samples in (start, end], staleness markers left out. */
  window(start: number, end: number): { times: number[]; values: number[] } {
    const times: number[] = [];
    const values: number[] = [];
    for (let i = this.firstAfter(start); i < this.count; i++) {
      const slot = this.slot(i);
      const time = this.times[slot]!;
      if (time > end) break;
      if (this.stale[slot] === 1) continue;
      times.push(time);
      values.push(this.values[slot]!);
    }
    return { times, values };
  }

  /** The newest sample in (start, end]; undefined if none, or if it is a staleness marker. */
  latest(start: number, end: number): { time: number; value: number } | undefined {
    const index = this.firstAfter(end) - 1;
    if (index < 0) return undefined;
    const slot = this.slot(index);
    const time = this.times[slot]!;
    if (time <= start || this.stale[slot] === 1) return undefined;
    return { time, value: this.values[slot]! };
  }

  /** The logical index of the first sample later than `time`. */
  private firstAfter(time: number): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.times[this.slot(middle)]! <= time) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private slot(index: number): number {
    return (this.head + index) % this.times.length;
  }

  private grow(): void {
    const capacity = this.times.length * 2;
    const times = new Float64Array(capacity);
    const values = new Float64Array(capacity);
    const stale = new Uint8Array(capacity);
    for (let i = 0; i < this.count; i++) {
      const slot = this.slot(i);
      times[i] = this.times[slot]!;
      values[i] = this.values[slot]!;
      stale[i] = this.stale[slot]!;
    }
    this.times = times;
    this.values = values;
    this.stale = stale;
    this.head = 0;
  }
}
