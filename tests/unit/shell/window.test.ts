import { describe, expect, it, vi } from 'vitest'

// window.ts only imports electron's types; the mock makes sure nothing loads the real module.
vi.mock('electron', () => ({}))

import { mainWindowOptions } from '../../../src/main/shell/window'

describe('mainWindowOptions', () => {
  const options = mainWindowOptions('/app/out/preload/index.js')

  it('sizes the counter window and waits for ready-to-show', () => {
    expect(options).toMatchObject({
      width: 1366,
      height: 768,
      minWidth: 1024,
      minHeight: 700,
      show: false,
      title: 'Guichet Famille',
    })
    expect(options.backgroundColor).toMatch(/^#[0-9a-f]{6}$/i)
  })

  it('sets every security-relevant web preference explicitly', () => {
    expect(options.webPreferences).toEqual({
      preload: '/app/out/preload/index.js',
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
    })
  })

  it('returns a fresh object each time (no shared mutable options)', () => {
    const a = mainWindowOptions('/a.js')
    const b = mainWindowOptions('/b.js')
    expect(a.webPreferences).not.toBe(b.webPreferences)
    expect(b.webPreferences?.preload).toBe('/b.js')
  })
})
