/// <reference types="vite/client" />

interface Window {
  /** The contract exposed by the Electron preload; absent in the web shell (HTTP is used). */
  guichet?: import('@shared/contract').GuichetApi
}
