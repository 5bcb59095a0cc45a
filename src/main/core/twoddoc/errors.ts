/**
 * The reader's "this file cannot be read" error (French, never any of the file's content), in a
 * module of its own so that the core host's side (service.ts) uses it without loading the
 * decoders (zxing, pdf.js, canvas) on its thread. decode.ts re-exports it.
 */
export class TwoDDocUnreadableError extends Error {
  override name = 'TwoDDocUnreadableError'
}
