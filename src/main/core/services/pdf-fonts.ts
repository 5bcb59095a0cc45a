import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'

/**
 * Where the Unicode fonts the printouts embed are (resources/fonts: DejaVu Sans, see its LICENSE
 * file; shipped next to the migrations, resources/ in development and the app's resources
 * folder once packaged). Set by the core at start; null: Helvetica, with the names it cannot
 * print transliterated.
 */
let fontsDir: string | null = null

export function setPdfFontsNextTo(migrationsFolder: string): void {
  const dir = join(dirname(migrationsFolder), 'fonts')
  fontsDir = existsSync(join(dir, 'DejaVuSans.ttf')) ? dir : null
}

export function pdfFontsDir(): string | null {
  return fontsDir
}
