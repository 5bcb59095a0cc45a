import type { IpcMain, IpcMainInvokeEvent, WebFrameMain } from 'electron'
import { findEndpoint, IPC_CHANNEL, isContractError, type ErrorCode, type Result } from '@shared/contract'
import type { CoreApi, Session } from '../core/types'
import { isSameOrigin } from './origin'

export type SenderCheck = (frame: WebFrameMain | null | undefined) => boolean

function failure(code: ErrorCode, message: string): Result<never> {
  return { ok: false, error: { code, message } }
}

/**
 * The one sender every contract call must come from: the main frame of the app's window,
 * currently showing a page of the app's origin. Sub-frames, other windows, pages that
 * navigated elsewhere and destroyed frames (null) are refused.
 */
export function createSenderCheck(
  getWindow: () => { isDestroyed(): boolean; webContents: { mainFrame: WebFrameMain } } | null,
  appOrigin: string,
): SenderCheck {
  return (frame) => {
    if (!frame) return false
    const win = getWindow()
    if (!win || win.isDestroyed()) return false
    if (frame !== win.webContents.mainFrame || frame.parent !== null) return false
    return isSameOrigin(frame.url, appOrigin)
  }
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 64)) : `<${typeof value}>`
}

/** A structured-clone-safe copy of what the core answered; anything else becomes INTERNAL. */
function toWireResult(value: unknown): Result<unknown> {
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

/**
 * Routes the contract's single IPC channel to the core. Returns a function that removes the
 * handler. The handler never throws: a raw Error never crosses to the renderer.
 */
export function registerContractIpc(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  core: Pick<CoreApi, 'call'>,
  getSession: () => Session | null,
  isTrustedSender: SenderCheck,
): () => void {
  ipcMain.handle(IPC_CHANNEL, async (event: IpcMainInvokeEvent, ns: unknown, method: unknown, input: unknown) => {
    try {
      if (!isTrustedSender(event.senderFrame)) {
        return failure('FORBIDDEN', 'IPC call from a frame that is not the app window.')
      }
      if (typeof ns !== 'string' || typeof method !== 'string' || !findEndpoint(ns, method)) {
        return failure('UNKNOWN_ENDPOINT', `Unknown endpoint ${describe(ns)}.${describe(method)}.`)
      }
      const session = getSession()
      if (!session) return failure('NOT_AUTHENTICATED', 'No session is open for this window.')
      return toWireResult(await core.call(session, ns, method, input))
    } catch {
      return failure('INTERNAL', 'Unexpected error in the IPC handler.')
    }
  })
  return () => ipcMain.removeHandler(IPC_CHANNEL)
}
