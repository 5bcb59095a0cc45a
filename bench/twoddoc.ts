import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { readTwoDDocFile, type TwoDDocOutcome } from '../src/main/core/twoddoc/reader'
import type { TrustBundle } from '../src/main/core/twoddoc/trust'
import { BILL_FIELDS, billImage, billPdf, makeTestPki, signedTwoDDoc, testBundle } from '../tests/support/twoddoc'
import { percentile } from './portal'

/**
 * `npm run bench -- twoddoc` (issue 13): the time to read a bill's 2D-Doc, from the scanned
 * page's bytes to the verdict (find the DataMatrix, parse, verify the signature against the
 * trust bundle), over whole A4 pages as the counter gets them:
 * - ≥ 40 PNG/JPEG pages at 200 dpi with mixed degradations (plain, JPEG quality 60 and 40,
 *   rotated 7° and 90°, half size, and a mix of them);
 * - ≥ 20 one-page PDF bills (rasterised at 200 dpi by the reader).
 * Each page has its own signed code (a test PKI made here). Measured in-process
 * (readTwoDDocFile) and, when the worker service exists, through createTwoDDocService (what the
 * core host does: the bytes go to a worker thread). The JSON keys png_p95_ms and
 * pdf_page_p95_ms are the service's figures when it runs, else the in-process ones.
 * Env: BENCH_TWODDOC_PAGES (default 48), BENCH_TWODDOC_PDFS (default 24).
 */

const PAGES = Math.max(40, Number(process.env.BENCH_TWODDOC_PAGES ?? 48))
const PDFS = Math.max(20, Number(process.env.BENCH_TWODDOC_PDFS ?? 24))
const log = (line: string) => console.log(`[twoddoc] ${line}`)

type Mime = 'image/png' | 'image/jpeg' | 'application/pdf'
interface Page {
  kind: string
  mime: Mime
  bytes: Uint8Array
}

const DEGRADATIONS: Array<{ kind: string; o: Parameters<typeof billImage>[1] }> = [
  { kind: 'png', o: {} },
  { kind: 'jpeg60', o: { format: 'jpeg', quality: 60 } },
  { kind: 'rot7', o: { rotate: 7 } },
  { kind: 'rot90', o: { rotate: 90 } },
  { kind: 'half', o: { scale: 0.5 } },
  { kind: 'jpeg40', o: { format: 'jpeg', quality: 40 } },
  { kind: 'mix', o: { rotate: 3, scale: 0.5, format: 'jpeg', quality: 40 } },
  { kind: 'rot-2-jpeg70', o: { rotate: -2, format: 'jpeg', quality: 70 } },
]

interface Stats {
  p50: number
  p95: number
  max: number
  misses: number
  /** p50 by kind of page, e.g. { rot90: 95.2 } */
  byKind: Record<string, number>
}

const round = (n: number) => Number(n.toFixed(1))

function stats(pages: Page[], times: number[], misses: number): Stats {
  const sorted = [...times].sort((a, b) => a - b)
  const byKind: Record<string, number> = {}
  for (const kind of new Set(pages.map((p) => p.kind))) {
    byKind[kind] = round(percentile(times.filter((_, i) => pages[i]!.kind === kind).sort((a, b) => a - b), 50))
  }
  return { p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), max: round(sorted[sorted.length - 1] ?? 0), misses, byKind }
}

/**
 * Each read gets its own copy of the page's bytes, made before the clock starts: the worker
 * service takes ownership of (transfers) the buffer it is given.
 */
async function measure(pages: Page[], read: (bytes: Uint8Array, mime: Mime) => Promise<TwoDDocOutcome>): Promise<Stats> {
  await read(pages[0]!.bytes.slice(), pages[0]!.mime) // warm-up (wasm, pdf.js, key import), not counted
  const times: number[] = []
  let misses = 0
  for (const p of pages) {
    const bytes = p.bytes.slice()
    const t0 = performance.now()
    const o = await read(bytes, p.mime)
    times.push(performance.now() - t0)
    if (!o.found || o.signature !== 'valid') misses++
  }
  return stats(pages, times, misses)
}

export async function runTwoDDocBench(): Promise<void> {
  const signer = await makeTestPki()
  const bundle: TrustBundle = testBundle([signer])
  const t0 = performance.now()
  const images: Page[] = []
  for (let i = 0; i < PAGES; i++) {
    const d = DEGRADATIONS[i % DEGRADATIONS.length]!
    const day = new Date(Date.UTC(2026, 8, 1) + i * 86_400_000).toISOString().slice(0, 10)
    const fields = BILL_FIELDS.map(([id, v]): [string, string] => [id, id === '18' ? `FAC-${7000 + i}-QZX` : v])
    const text = await signedTwoDDoc({ authorityId: signer.authorityId, certificateId: signer.certificateId, emittedOn: day, fields }, signer)
    images.push({ kind: d.kind, mime: d.o?.format === 'jpeg' ? 'image/jpeg' : 'image/png', bytes: new Uint8Array(await billImage(text, d.o)) })
  }
  const pdfs: Page[] = []
  for (let i = 0; i < PDFS; i++) {
    const day = new Date(Date.UTC(2026, 9, 1) + i * 86_400_000).toISOString().slice(0, 10)
    const text = await signedTwoDDoc({ authorityId: signer.authorityId, certificateId: signer.certificateId, emittedOn: day }, signer)
    pdfs.push({ kind: 'pdf', mime: 'application/pdf', bytes: await billPdf(text) })
  }
  log(`${images.length} pages PNG/JPEG (${DEGRADATIONS.map((d) => d.kind).join(', ')}) et ${pdfs.length} PDF générés en ${((performance.now() - t0) / 1000).toFixed(1)} s`)

  const inProcess = {
    png: await measure(images, (bytes, mime) => readTwoDDocFile(bytes, mime, bundle)),
    pdf: await measure(pdfs, (bytes, mime) => readTwoDDocFile(bytes, mime, bundle)),
  }
  log(`dans le processus : image p95 ${inProcess.png.p95} ms (p50 ${inProcess.png.p50}, max ${inProcess.png.max}), page PDF p95 ${inProcess.pdf.p95} ms (p50 ${inProcess.pdf.p50}, max ${inProcess.pdf.max})`)

  let viaService: { png: Stats; pdf: Stats } | null = null
  if (existsSync(join(__dirname, '../src/main/core/twoddoc/service.ts'))) {
    const { createTwoDDocService } = await import('../src/main/core/twoddoc/service')
    const service = createTwoDDocService()
    try {
      viaService = {
        png: await measure(images, (bytes, mime) => service.read(bytes, mime, bundle)),
        pdf: await measure(pdfs, (bytes, mime) => service.read(bytes, mime, bundle)),
      }
      log(`par le worker : image p95 ${viaService.png.p95} ms (p50 ${viaService.png.p50}, max ${viaService.png.max}), page PDF p95 ${viaService.pdf.p95} ms (p50 ${viaService.pdf.p50}, max ${viaService.pdf.max})`)
    } finally {
      await service.close()
    }
  } else log('service (worker) absent : mesuré dans le processus seulement')

  const main = viaService ?? inProcess
  log(`p50 par sorte de page (ms) : ${Object.entries(main.png.byKind).map(([k, v]) => `${k} ${v}`).join(', ')}`)
  const misses = inProcess.png.misses + inProcess.pdf.misses + (viaService ? viaService.png.misses + viaService.pdf.misses : 0)
  const figures = {
    bench: 'twoddoc',
    png_p95_ms: main.png.p95,
    pdf_page_p95_ms: main.pdf.p95,
    measured: viaService ? 'worker' : 'in-process',
    pages: images.length,
    pdf_pages: pdfs.length,
    png_p50_ms: main.png.p50,
    png_max_ms: main.png.max,
    pdf_page_p50_ms: main.pdf.p50,
    pdf_page_max_ms: main.pdf.max,
    in_process_png_p95_ms: inProcess.png.p95,
    in_process_pdf_page_p95_ms: inProcess.pdf.p95,
    not_valid: misses,
  }
  console.log(
    `2D-Doc : lecture d’une page scannée p95 ${figures.png_p95_ms} ms (cible ≤ 100), d’une page PDF p95 ${figures.pdf_page_p95_ms} ms (cible ≤ 500), ` +
      `${viaService ? 'par le worker' : 'dans le processus'} ; ${misses === 0 ? 'toutes lues et valides' : `${misses} lecture(s) non valide(s)`}`,
  )
  console.log(JSON.stringify(figures))
  if (misses > 0) process.exitCode = 1
}
