import { contextBridge, ipcRenderer } from 'electron'
import { buildGuichetApi } from './api'

// Sandboxed preload: only `electron` and the bundled contract are available here.
// `invoke` is wrapped so that the page never receives ipcRenderer or an IPC event.
contextBridge.exposeInMainWorld(
  'guichet',
  buildGuichetApi((channel, ns, method, input) => ipcRenderer.invoke(channel, ns, method, input)),
)
