// npm run 2ddoc -- read FILE [--trust BUNDLE]
// Reads the 2D-Doc of a PNG, JPEG or PDF and prints one JSON line (issue 13):
//   {"found":true,"signature":"valid"|"invalid"|"unknown_issuer","documentType":"01","proofOfAddress":true,
//    "emittedOn":"YYYY-MM-DD","holder":"…","addressLine":"…","postcode":"…","city":"…","truncatedFields":[]}
// or {"found":false}; exit 0 in both cases, 2 (one French line on stderr) on unreadable input,
// a missing file or a bad trust bundle. Default bundle: resources/2ddoc/trust-bundle.json.
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { TwoDDocUnreadableError, mimeOfBytes } from '../src/main/core/twoddoc/decode'
import { cliLine, readTwoDDocFile } from '../src/main/core/twoddoc/reader'
import { TrustBundleError, parseTrustBundle, shippedBundleFile, type TrustBundle } from '../src/main/core/twoddoc/trust'

const USAGE = 'Usage : npm run 2ddoc -- read FICHIER [--trust LISTE.json]'

class UsageError extends Error {}

function parseArgs(argv: string[]): { file: string; trust: string } {
  const [command, ...rest] = argv
  if (command !== 'read') throw new UsageError(USAGE)
  let file: string | null = null
  let trust = shippedBundleFile(join(__dirname, '..', 'resources'))
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!
    if (a === '--trust') {
      const v = rest[++i]
      if (!v) throw new UsageError(USAGE)
      trust = resolve(v)
    } else if (a.startsWith('--trust=')) trust = resolve(a.slice('--trust='.length))
    else if (file === null && !a.startsWith('--')) file = resolve(a)
    else throw new UsageError(USAGE)
  }
  if (file === null) throw new UsageError(USAGE)
  return { file, trust }
}

function readOrFail(path: string, what: string): Buffer {
  try {
    return readFileSync(path)
  } catch {
    throw new UsageError(`${what} introuvable ou illisible.`)
  }
}

async function main(argv: string[]): Promise<number> {
  try {
    const { file, trust } = parseArgs(argv)
    const bundle: TrustBundle = parseTrustBundle(readOrFail(trust, 'Liste de confiance').toString('utf8'))
    const bytes = new Uint8Array(readOrFail(file, 'Fichier'))
    const mime = mimeOfBytes(bytes)
    if (mime === null) throw new TwoDDocUnreadableError("Ce fichier n'est ni une image PNG ou JPEG, ni un PDF.")
    const outcome = await readTwoDDocFile(bytes, mime, bundle)
    process.stdout.write(`${JSON.stringify(cliLine(outcome))}\n`)
    return 0
  } catch (e) {
    if (e instanceof UsageError || e instanceof TwoDDocUnreadableError || e instanceof TrustBundleError) {
      process.stderr.write(`${e.message}\n`)
      return 2
    }
    // Never the barcode's content: an unexpected failure says only that it failed.
    process.stderr.write('Lecture du 2D-Doc impossible (erreur inattendue).\n')
    return 2
  }
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})
