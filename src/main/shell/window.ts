import type { BrowserWindowConstructorOptions } from 'electron'

export const WINDOW_TITLE = 'Guichet Famille'
/** Painted before the renderer's first frame: no white flash on the counter screen. */
export const WINDOW_BACKGROUND = '#f4f5f7'

/**
 * The one counter window. Every security-relevant web preference is written out explicitly,
 * even where it equals Electron's default, so that a test pins it and a future default change
 * cannot loosen it silently.
 */
export function mainWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1366,
    height: 768,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    title: WINDOW_TITLE,
    backgroundColor: WINDOW_BACKGROUND,
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
    },
  }
}
