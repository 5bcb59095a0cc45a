import { contextBridge, ipcRenderer, webUtils } from 'electron'
import { buildGuichetApi } from './api'
import { buildGuichetFiles } from './files'
import { createPortInvoke, type PreloadIpc } from './port'

// Sandboxed preload: only `electron` and the bundled contract are available here. The calls
// travel on a MessagePort to the core host (handed over by the main process); the page never
// receives ipcRenderer, the port or an IPC event.
contextBridge.exposeInMainWorld('guichet', buildGuichetApi(createPortInvoke(ipcRenderer as unknown as PreloadIpc)))
// Files (scans picked by the agent, PDFs to open or print, the printers): named functions relayed by the main process.
contextBridge.exposeInMainWorld('guichetFiles', buildGuichetFiles(ipcRenderer, webUtils))
