import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

const alias = { '@shared': resolve(__dirname, 'src/shared') }

export default defineConfig({
  main: {
    resolve: { alias },
    build: {
      // uuid and file-type ship ESM only: bundle them so the CommonJS main bundle never require()s ESM.
      externalizeDeps: { exclude: ['uuid', 'file-type'] },
      rollupOptions: {
        input: {
          // The Electron shell and the web shell share the same core, run by a core host
          // process (an Electron utilityProcess, or a Node child of the web shell); the
          // embedded demo portal runs in a child process of its own.
          index: resolve(__dirname, 'src/main/index.ts'),
          web: resolve(__dirname, 'src/main/web/index.ts'),
          'host-utility': resolve(__dirname, 'src/main/host/utility.ts'),
          host: resolve(__dirname, 'src/main/host/child.ts'),
          portal: resolve(__dirname, 'src/portal/child.ts'),
          // The 2D-Doc reader's worker thread, started by the core (src/main/core/twoddoc/service.ts).
          'twoddoc-worker': resolve(__dirname, 'src/main/core/twoddoc/worker.ts'),
        },
      },
    },
  },
  preload: {
    resolve: { alias },
    // A sandboxed preload cannot require() packages: bundle everything but electron.
    build: { externalizeDeps: false, rollupOptions: { external: ['electron'] } },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    resolve: { alias },
    plugins: [vue()],
    build: {
      rollupOptions: { input: resolve(__dirname, 'src/renderer/index.html') },
    },
  },
})
