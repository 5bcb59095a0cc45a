import type { TwoDDocMismatchField, TwoDDocVerdict } from '@shared/commands/documents'

/**
 * The 2D-Doc readings the counter just made (issue 13), in the core's memory only.
 *
 * `twoddoc.read` answers a readId; `documents.record` names it, and the core records the verdict
 * it kept here, never one the screen sends. An entry holds what the piece records and what the
 * record is checked against: never the barcode's content (no holder, no address, no invoice
 * number). Kept READING_MINUTES (the agent fills the form in the meantime), at most
 * MAX_READINGS (the oldest dropped first); dropped when the core closes.
 */

export const READING_MINUTES = 30
export const MAX_READINGS = 200

export interface TwoDDocReadingMemo {
  /** The scan read (a record naming this reading must carry the same scan, if any). */
  sha256: string
  familyId: string
  verdict: TwoDDocVerdict
  /** The 2D-Doc document type ("01"). */
  documentType: string
  /** The fields that differ from the family file (the agent must accept them to validate). */
  mismatches: TwoDDocMismatchField[]
  /** Epoch ms of the reading. */
  at: number
}

export class TwoDDocReadings {
  readonly #held = new Map<string, TwoDDocReadingMemo>()

  constructor(
    private readonly clock: () => number = Date.now,
    private readonly ttlMs = READING_MINUTES * 60_000,
    private readonly max = MAX_READINGS,
  ) {}

  remember(readId: string, memo: TwoDDocReadingMemo): void {
    this.#prune()
    this.#held.delete(readId)
    this.#held.set(readId, memo)
    // Map keeps insertion order: the first keys are the oldest readings.
    while (this.#held.size > this.max) this.#held.delete(this.#held.keys().next().value as string)
  }

  /** The reading while its time lasts (null: unknown, or too old). */
  get(readId: string): TwoDDocReadingMemo | null {
    const memo = this.#held.get(readId)
    if (!memo) return null
    if (this.clock() - memo.at >= this.ttlMs) {
      this.#held.delete(readId)
      return null
    }
    return memo
  }

  clear(): void {
    this.#held.clear()
  }

  get size(): number {
    this.#prune()
    return this.#held.size
  }

  #prune(): void {
    const now = this.clock()
    for (const [id, memo] of this.#held) if (now - memo.at >= this.ttlMs) this.#held.delete(id)
  }
}
