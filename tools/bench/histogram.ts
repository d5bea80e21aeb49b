/**
 * A latency histogram in the spirit of HdrHistogram: values (microseconds) are
 * counted in buckets that are exact below 256 and within 1/128 (0.8 %) above,
 * so a million samples cost a few kilobytes and any percentile is one scan.
 */

const SUB_BITS = 7;
const SUB = 1 << SUB_BITS; // buckets per power of two
const LINEAR = SUB * 2; // values below this are counted exactly

function bucketOf(v: number): number {
  if (v < LINEAR) return v;
  const exp = 31 - Math.clz32(v); // floor(log2 v), >= SUB_BITS + 1
  const shift = exp - SUB_BITS;
  return LINEAR + (exp - SUB_BITS - 1) * SUB + ((v >>> shift) - SUB);
}

/** The highest value a bucket holds (a percentile never reads low). */
function valueOf(bucket: number): number {
  if (bucket < LINEAR) return bucket;
  const i = bucket - LINEAR;
  const exp = Math.floor(i / SUB) + SUB_BITS + 1;
  const shift = exp - SUB_BITS;
  return (((i % SUB) + SUB + 1) << shift) - 1;
}

/** The percentiles a distribution is drawn from: dense in the tail, where latency tells. */
const CDF_AT = [0.1, 1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 98, 99, 99.5, 99.9, 99.99, 100];

export class Histogram {
  /** Enough buckets for values up to 2^31 µs (35 minutes). */
  private readonly counts = new Float64Array(bucketOf(2 ** 31 - 1) + 1);
  count = 0;
  max = 0;
  private sum = 0;

  record(us: number): void {
    let v = Math.round(us);
    if (v < 0) v = 0;
    if (v > 2 ** 31 - 1) v = 2 ** 31 - 1;
    this.counts[bucketOf(v)]! += 1;
    this.count++;
    this.sum += v;
    if (v > this.max) this.max = v;
  }

  /** Counts `n` samples of the same value at once. */
  recordMany(us: number, n: number): void {
    if (n <= 0) return;
    let v = Math.round(us);
    if (v < 0) v = 0;
    if (v > 2 ** 31 - 1) v = 2 ** 31 - 1;
    this.counts[bucketOf(v)]! += n;
    this.count += n;
    this.sum += v * n;
    if (v > this.max) this.max = v;
  }

  /** The value at percentile p (0..100), in µs: the top of its bucket, capped at the max seen. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let b = 0; b < this.counts.length; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) return Math.min(valueOf(b), this.max);
    }
    return this.max;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      meanUs: Math.round(this.mean),
      p50Us: this.percentile(50),
      p99Us: this.percentile(99),
      p999Us: this.percentile(99.9),
      maxUs: this.max,
      cdf: this.count === 0 ? [] : CDF_AT.map((p) => ({ p: p / 100, us: this.percentile(p) })),
    };
  }
}

export interface LatencySummary {
  count: number;
  meanUs: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  /** The distribution: the share of samples (0..1) at or under each value, for a drawing (bench --html). */
  cdf?: { p: number; us: number }[];
}
