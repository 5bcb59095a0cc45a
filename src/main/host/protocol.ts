import { isContractError, type ContractError, type ErrorCode, type Result } from '@shared/contract'

/**
 * The core host: the process that runs the core (SQLite, scrypt, the sync engine) away from
 * the Electron main process and from the web shell's request thread. This file is the wire
 * between the host and whoever talks to it (the shell that supervises it, the renderer's
 * MessagePort in Electron). Every message is a plain structured-clone-safe object.
 */

/** What the host needs to start, sent by the shell that spawned it (paths only: the rest comes from the environment). */
export interface HostConfig {
  dataDir: string
  migrationsFolder: string
  /** better_sqlite3.node built for Electron's ABI, when the Electron shell has one. */
  nativeBinding?: string
  /** The embedded demo portal's child entry (out/main/portal.js), spawned when this start runs one. */
  portalEntry?: string
  /** Extra Node arguments for the portal child (e.g. ['--import', 'tsx'] when it is TypeScript). */
  portalExecArgv?: string[]
  portalMigrationsFolder?: string
  /** The first start's town arrives from the portal before the host says ready (web shell). */
  awaitFirstSync?: boolean
  /** Electron: the portal token decrypted by the main process (safeStorage lives there only; the host sends changes back). */
  token?: string | null
}

export type HostState = 'starting' | 'ready' | 'restarting' | 'failed' | 'stopped'

/** Shell → host. */
export type ToHost =
  | { type: 'start'; config: HostConfig }
  | { type: 'call'; id: number; ns: string; method: string; input: unknown }
  /**
   * Imports the file at `path` as a scan (checked by content, ≤ 10 MiB, stored by hash in the
   * data folder); answered by a 'result' of the same id (Result<ScanRef>). Sent by the shells
   * only: the web shell's upload route (a temp file it wrote) and the Electron main process (a
   * path the preload took from a File the agent picked). Never reachable from a renderer's port.
   */
  | { type: 'scan'; id: number; path: string; name: string }
  | { type: 'stop' }
  /** Electron: a MessagePort for a window travels with this message. */
  | { type: 'connect' }

/** Host → shell. */
export type FromHost =
  | { type: 'ready'; portalUrl: string | null }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; result: Result<unknown> }
  | { type: 'stopped' }
  | { type: 'token'; op: 'set'; token: string }
  | { type: 'token'; op: 'clear' }

/** Renderer ⇄ host over a MessagePort: a call, and its answer carrying the same id. */
export interface PortCall {
  id: number
  ns: string
  method: string
  input: unknown
}
export interface PortAnswer {
  id: number
  result: Result<unknown>
}

/** Which host failure a TRANSPORT error reports (the renderer shows a "restarting" screen). */
export type HostUnavailable = 'starting' | 'restarting' | 'stopped'

export function failure(code: ErrorCode, message: string): { ok: false; error: ContractError } {
  return { ok: false, error: { code, message } }
}

/** The typed answer of a call that the host cannot serve (crashed, restarting, stopped): never a hang. */
export function hostUnavailable(why: HostUnavailable): { ok: false; error: ContractError } {
  const message =
    why === 'stopped' ? 'Le cœur du guichet est arrêté.' : why === 'starting' ? 'Le cœur du guichet démarre.' : 'Le cœur du guichet s’est arrêté ; il redémarre.'
  return { ok: false, error: { code: 'TRANSPORT', message, details: { host: why } } }
}

/** A structured-clone-safe copy of what the core answered; anything else becomes INTERNAL. */
export function toWireResult(value: unknown): Result<unknown> {
  if (typeof value === 'object' && value !== null) {
    const r = value as { ok?: unknown; data?: unknown; error?: unknown }
    if (r.ok === true) return { ok: true, data: r.data }
    if (r.ok === false && isContractError(r.error)) {
      const { code, message, details } = r.error
      const error = { code, message: typeof message === 'string' ? message : String(message) }
      return { ok: false, error: details === undefined ? error : { ...error, details } }
    }
  }
  return failure('INTERNAL', 'The core returned something that is not a Result.')
}

/** A well-formed call from a port or a parent (anything else is dropped or answered INVALID_INPUT). */
export function asCall(data: unknown): PortCall | null {
  if (typeof data !== 'object' || data === null) return null
  const m = data as Partial<PortCall>
  if (typeof m.id !== 'number' || !Number.isSafeInteger(m.id)) return null
  if (typeof m.ns !== 'string' || typeof m.method !== 'string') return null
  return { id: m.id, ns: m.ns, method: m.method, input: m.input }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

/**
 * Electron channels between the preload and the main process, for the port only (the calls
 * themselves travel on the port): the preload asks for a port, the main process answers with
 * one end of a MessageChannelMain (the other end goes to the core host) and reports the
 * host's state (a crash fails the calls in flight; a new port follows the restart).
 */
export const HOST_PORT_REQUEST = 'guichet:host-port-request'
export const HOST_PORT_CHANNEL = 'guichet:host-port'
export const HOST_STATE_CHANNEL = 'guichet:host-state'

/**
 * Electron channels for files (ipcRenderer.invoke ⇄ ipcMain.handle, ./../shell/files.ts): the
 * preload asks the main process to import a scan at a path (taken with webUtils.getPathForFile
 * from a File the agent picked; the main process relays it to the core host as 'scan'), and to
 * open a PDF the core produced with the system's PDF viewer.
 */
export const SCAN_IMPORT_CHANNEL = 'guichet:scan-import'
export const PDF_OPEN_CHANNEL = 'guichet:pdf-open'
/** Silent printing of a PDF through the OS spooler, and the printers list (../shell/print.ts). */
export const PDF_PRINT_CHANNEL = 'guichet:pdf-print'
export const PRINTERS_CHANNEL = 'guichet:printers'
