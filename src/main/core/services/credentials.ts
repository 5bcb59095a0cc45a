import type { SlipLayout } from '@shared/contract/credentials'
import type { CredentialKind } from '@shared/commands/credentials'

/**
 * The clear passwords the counter just issued (issue 9), in the core's memory only.
 *
 * One entry per family: the last password issued here, kept REPRINT_MINUTES so that a jammed
 * printer or a closed preview can print the same slip again, and dropped as soon as the agent
 * confirms « Remis à la famille », when the time is up (a timer, unref'd), or when a new issue
 * replaces it. Nothing here is ever written to the database, the journal, the outbox, a log or a
 * file. (A JavaScript string cannot be wiped from memory; dropping every reference is the most a
 * Node process can do.)
 */

export interface HeldCredentials {
  familyId: string
  familyName: string
  codeFamille: string
  password: string
  issueId: string
  kind: CredentialKind
  issuedAt: string
  expiresAt: string
  agentInitials: string
  /** Epoch ms: no reprint after this. */
  until: number
  layout: SlipLayout
}

export class CredentialVault {
  readonly #held = new Map<string, HeldCredentials>()
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>()

  constructor(private readonly clock: () => number = Date.now) {}

  /** Keeps `entry` until `entry.until` (replacing the family's previous one). */
  hold(entry: HeldCredentials): void {
    this.forget(entry.familyId)
    this.#held.set(entry.familyId, entry)
    const timer = setTimeout(() => this.forget(entry.familyId), Math.max(0, entry.until - this.clock()))
    timer.unref?.()
    this.#timers.set(entry.familyId, timer)
  }

  /** The family's held credentials while their time lasts (null: none, or too late). */
  get(familyId: string): HeldCredentials | null {
    const entry = this.#held.get(familyId)
    if (!entry) return null
    if (this.clock() >= entry.until) {
      this.forget(familyId)
      return null
    }
    return entry
  }

  forget(familyId: string): void {
    this.#held.delete(familyId)
    const timer = this.#timers.get(familyId)
    if (timer) clearTimeout(timer)
    this.#timers.delete(familyId)
  }

  /** Drops everything (the core closes). */
  clear(): void {
    for (const id of [...this.#held.keys()]) this.forget(id)
  }

  get size(): number {
    return this.#held.size
  }
}
