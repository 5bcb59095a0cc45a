import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url'

/**
 * Renders the credentials slip (a PDF made by the core, given as bytes) into <canvas> elements
 * with pdf.js, for the preview and for window.print(). Nothing is fetched: the worker is a file
 * of the app itself (Vite's `?url`, same origin: the CSP's default-src 'self' covers it), no
 * CMap, standard font or wasm file is asked for (the slip embeds its fonts), and the document is
 * destroyed as soon as its pages are drawn. pdf.js is loaded on first use (a chunk of its own).
 */

export interface RenderedPage {
  canvas: HTMLCanvasElement
  /** The page's size in PDF points (1/72 in). */
  widthPt: number
  heightPt: number
}

type PdfJs = typeof import('pdfjs-dist')
let loading: Promise<PdfJs> | null = null

function pdfjs(): Promise<PdfJs> {
  loading ??= import('pdfjs-dist').then((lib) => {
    lib.GlobalWorkerOptions.workerSrc = workerUrl
    return lib
  })
  return loading
}

/** Pixels per PDF point: sharp on screen and on paper (144 dpi). */
const SCALE = 2

/**
 * Draws every page of `bytes` (a copy is handed to pdf.js, which takes its buffer). The canvases
 * are new elements, not yet in the page; the caller places them and drops them when done.
 */
export async function renderPdfPages(bytes: Uint8Array): Promise<RenderedPage[]> {
  const lib = await pdfjs()
  const task = lib.getDocument({
    data: bytes.slice(),
    useWasm: false,
    useWorkerFetch: false,
    isEvalSupported: false,
    enableXfa: false,
    stopAtErrors: true,
  } as Parameters<PdfJs['getDocument']>[0])
  try {
    const doc = await task.promise
    const pages: RenderedPage[] = []
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n)
      const base = page.getViewport({ scale: 1 })
      const viewport = page.getViewport({ scale: SCALE })
      const canvas = document.createElement('canvas')
      canvas.width = Math.ceil(viewport.width)
      canvas.height = Math.ceil(viewport.height)
      await page.render({ canvas, viewport, background: '#ffffff' }).promise
      page.cleanup()
      pages.push({ canvas, widthPt: base.width, heightPt: base.height })
    }
    return pages
  } finally {
    await task.destroy()
  }
}

/** Blanks and shrinks a canvas so that its pixels (the password) do not linger until GC. */
export function wipeCanvas(canvas: HTMLCanvasElement): void {
  canvas.getContext('2d')?.clearRect(0, 0, canvas.width, canvas.height)
  canvas.width = 0
  canvas.height = 0
  canvas.remove()
}
