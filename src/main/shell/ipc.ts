import type { WebFrameMain } from 'electron'
import { isSameOrigin } from './origin'

export type SenderCheck = (frame: WebFrameMain | null | undefined) => boolean

/**
 * The one frame the core host's port may be handed to, and the one sender whose port request
 * is heard (./host-ports.ts): the main frame of the app's window, currently showing a page of
 * the app's origin. Sub-frames, other windows, pages that navigated elsewhere and destroyed
 * frames (null) are refused.
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
