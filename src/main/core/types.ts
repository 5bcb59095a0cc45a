import type { Result } from '@shared/contract'

/** One logged-in (or not yet) counter session: one Electron window, or one web-shell token. */
export interface Session {
  readonly id: string
  agentId: string | null
  /** Epoch ms of the agent's last activity (any contract call or a ping). */
  lastActivity: number
}

/** What every shell (Electron IPC, web HTTP) needs from the core. */
export interface CoreApi {
  openSession(): Session
  closeSession(session: Session): void
  /** Validates, authorises, runs and journals one contract call. Never throws. */
  call(session: Session, ns: string, method: string, input: unknown): Promise<Result<unknown>>
  close(): void
}

/** The workstation's sync engine as the contract's handlers see it (src/main/core/sync). */
export interface SyncService {
  status(): import('@shared/contract').SyncStatus
  /** Pushes then pulls now; resolves with the status afterwards (never rejects). */
  syncNow(): Promise<import('@shared/contract').SyncStatus>
  /** Enrols this workstation with a one-time code; throws a DomainError with a French message on failure. */
  enrol(portalUrl: string, code: string): Promise<import('@shared/contract').SyncStatus>
}

export interface CoreServices {
  sync: SyncService | null
  /** The clear passwords issued here, in memory for the reprint window (issue 9); null in bare test routers. */
  credentials: import('./services/credentials').CredentialVault | null
  /** Issue 13: the 2D-Doc reader (a worker) and the readings kept for documents.record; null in bare test routers. */
  twoddoc: TwoDDocCore | null
}

/** The counter's 2D-Doc reading (issue 13): the worker service, the readings in memory, where the bundles are. */
export interface TwoDDocCore {
  service: import('./twoddoc/service').TwoDDocService
  readings: import('./services/twoddoc-readings').TwoDDocReadings
  /** The application's resources folder (the shipped trust bundle: resources/2ddoc/trust-bundle.json). */
  resourcesDir: string
  /** The workstation's data folder (scans, the imported trust bundle). */
  dataDir: string
}
