import type { Rng } from './rng'

/**
 * Deterministic UUIDv7 (RFC 9562): 48-bit Unix-ms timestamp, version 7, 12 bits rand_a,
 * variant 10, 62 bits rand_b. The random bits come from the seeded PRNG, so the same PRNG
 * state and the same timestamps give the same ids. Ids made for the same millisecond one after
 * the other get an increasing rand_a counter, so they sort in the order they were made.
 */
export class DemoIds {
  private lastMs = -1
  private counter = 0

  constructor(private readonly rng: Rng) {}

  /** A UUIDv7 whose timestamp is `ms` (Unix epoch milliseconds). */
  next(ms: number): string {
    const t = Math.floor(ms)
    if (!(t >= 0 && t < 2 ** 48)) throw new RangeError(`UUIDv7: timestamp out of range: ${ms}`)
    if (t === this.lastMs && this.counter < 0xfff) this.counter++
    else this.counter = 0
    this.lastMs = t
    const time = t.toString(16).padStart(12, '0')
    const randA = this.counter.toString(16).padStart(3, '0')
    const variant = (8 | (this.rng.u32() & 3)).toString(16)
    const randB = this.rng.hex(7) + this.rng.hex(8)
    return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randA}-${variant}${randB.slice(0, 3)}-${randB.slice(3, 15)}`
  }
}
