/**
 * A small seeded PRNG (sfc32, seeded through splitmix32) for the demo town: the same seed
 * always gives the same sequence, on every platform and Node version. Not for secrets.
 */
export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  /** Every part (any safe integer) is mixed into the state. */
  constructor(...seedParts: number[]) {
    let s = 0x6a09e667
    const mix = (v: number): number => {
      s = (s + 0x9e3779b9 + v) | 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
      return (z ^ (z >>> 16)) >>> 0
    }
    for (const part of seedParts) {
      mix(part >>> 0)
      mix(Math.floor(part / 0x1_0000_0000) >>> 0)
    }
    this.a = mix(1)
    this.b = mix(2)
    this.c = mix(3)
    this.d = mix(4)
    for (let i = 0; i < 15; i++) this.u32()
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** A uniform float in [0, 1). */
  float(): number {
    return this.u32() / 0x1_0000_0000
  }

  /** A uniform integer in [min, max] (both included). */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1))
  }

  chance(p: number): boolean {
    return this.float() < p
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list')
    return items[Math.floor(this.float() * items.length)] as T
  }

  /** Roughly normal (sum of 4 uniforms), mean `mean`, standard deviation `sd`. */
  normal(mean: number, sd: number): number {
    const u = this.float() + this.float() + this.float() + this.float() - 2
    return mean + u * sd * Math.sqrt(3)
  }

  /** `n` hexadecimal digits (n ≤ 8). */
  hex(n: number): string {
    return (this.u32() >>> (32 - 4 * n)).toString(16).padStart(n, '0')
  }
}

/** A weighted choice, precomputed once (binary search over cumulative weights). */
export class Weighted<T> {
  private readonly items: T[]
  private readonly cumulative: number[]
  private readonly total: number

  constructor(entries: ReadonlyArray<readonly [T, number]>) {
    this.items = []
    this.cumulative = []
    let sum = 0
    for (const [item, weight] of entries) {
      if (!(weight > 0)) continue
      sum += weight
      this.items.push(item)
      this.cumulative.push(sum)
    }
    if (this.items.length === 0) throw new RangeError('Weighted: no entry with a positive weight')
    this.total = sum
  }

  pick(rng: Rng): T {
    const x = rng.float() * this.total
    let lo = 0
    let hi = this.cumulative.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.cumulative[mid] as number) > x) hi = mid
      else lo = mid + 1
    }
    return this.items[lo] as T
  }
}
