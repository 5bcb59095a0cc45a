import { onBeforeUnmount, toRaw } from 'vue'

/**
 * What the agent was typing when the session locked (idle lock, or the core ending the session),
 * given back when the SAME agent logs in again: the same screen, with its unsaved field values.
 *
 * Kept in this module's memory only, never in localStorage, sessionStorage or IndexedDB: the
 * values are a family's data (names, phones, addresses, health notes), the workstation's disk is
 * shared by every agent of the counter, and a lock must leave nothing of it behind on disk. A
 * logout, another agent logging in, or closing the window forgets it.
 *
 * Two sources:
 * - every named field (id or name) of the main area, read from the page as it was at the lock;
 * - what a component registers with `useLockDraft` (its own state, e.g. which section was being
 *   edited), for what the fields alone cannot rebuild.
 */

interface FieldValue {
  key: string
  value: string
  checked?: boolean
}

interface Draft {
  agentId: string
  /** The route the agent was on (hash history: the part after '#'). */
  route: string
  fields: FieldValue[]
  parts: Map<string, unknown>
}

/** Fields never kept: secrets, files (a path is not a value to replay), buttons. */
const SKIPPED_TYPES = new Set(['password', 'file', 'hidden', 'submit', 'button', 'reset', 'image'])
/** How long after the login the fields may take to appear (a family file loads first). */
const RESTORE_WINDOW_MS = 10_000

let draft: Draft | null = null
const registry = new Map<string, () => unknown>()

type Field = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement

function fieldKey(el: Field): string | null {
  if (el.id) return `#${el.id}`
  if (el.name) return `name:${el.name}`
  return null
}

function findField(root: ParentNode, key: string): Field | null {
  const el = key.startsWith('#')
    ? root.querySelector(`#${CSS.escape(key.slice(1))}`)
    : root.querySelector(`[name="${CSS.escape(key.slice(5))}"]`)
  return el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement ? el : null
}

function mainArea(): HTMLElement | null {
  return typeof document === 'undefined' ? null : document.getElementById('contenu')
}

/** Called by the session store just before it hides the screen. */
export function captureDraft(agentId: string): void {
  const root = mainArea()
  const fields: FieldValue[] = []
  for (const el of root?.querySelectorAll<Field>('input, textarea, select') ?? []) {
    if (el instanceof HTMLInputElement && SKIPPED_TYPES.has(el.type)) continue
    const key = fieldKey(el)
    if (!key) continue
    if (el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio')) {
      fields.push({ key, value: el.value, checked: el.checked })
    } else if (el.value !== '') {
      fields.push({ key, value: el.value })
    }
  }
  const parts = new Map<string, unknown>()
  for (const [key, read] of registry) {
    // A plain copy: the component's reactive state is about to be torn down.
    parts.set(key, structuredClone(toRaw(read())))
  }
  const route = typeof window === 'undefined' ? '/' : window.location.hash.replace(/^#/, '') || '/'
  draft = { agentId, route, fields, parts }
}

/** Forget what was typed (logout, another agent). */
export function discardDraft(): void {
  draft = null
}

/**
 * After a login: where to go back to, when this agent left a draft; another agent's draft is
 * forgotten, never shown.
 */
export function resumeRoute(agentId: string): string | null {
  if (!draft) return null
  if (draft.agentId !== agentId) {
    draft = null
    return null
  }
  return draft.route
}

function setField(el: Field, f: FieldValue): void {
  if (el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio')) {
    if (el.checked === f.checked) return
    el.checked = f.checked === true
    el.dispatchEvent(new Event('change', { bubbles: true }))
    return
  }
  if (el.value === f.value) return
  el.value = f.value
  // v-model listens to 'input' on text fields and to 'change' on selects.
  el.dispatchEvent(new Event(el instanceof HTMLSelectElement ? 'change' : 'input', { bubbles: true }))
}

/**
 * Puts the fields back as they appear (a family file's form shows once the file is loaded), for a
 * few seconds after the login; then the rest of the draft is forgotten. Resolves with how many
 * fields were given back.
 */
export function restoreDraftFields(): Promise<number> {
  const current = draft
  const root = mainArea()
  if (!current || !root) return Promise.resolve(0)
  // Whatever is not given back within the window is forgotten (fields and component parts).
  setTimeout(() => {
    if (draft === current) draft = null
  }, RESTORE_WINDOW_MS)
  const pending = new Map(current.fields.map((f) => [f.key, f]))
  let restored = 0
  const tryNow = (): boolean => {
    for (const [key, f] of pending) {
      const el = findField(root, key)
      if (!el) continue
      setField(el, f)
      pending.delete(key)
      restored++
    }
    return pending.size === 0
  }
  if (tryNow()) return Promise.resolve(restored)
  return new Promise((resolve) => {
    const finish = (): void => {
      observer.disconnect()
      clearTimeout(timer)
      resolve(restored)
    }
    const observer = new MutationObserver(() => {
      if (draft !== current || tryNow()) finish()
    })
    const timer = setTimeout(finish, RESTORE_WINDOW_MS)
    observer.observe(root, { childList: true, subtree: true })
  })
}

/**
 * For a component whose state the fields cannot rebuild (an edit section that is open, a list of
 * children being typed): `read` gives a plain, cloneable copy of that state, `restore` receives it
 * back when the component mounts again after the same agent's login. Call it in `setup`.
 */
export function useLockDraft<T>(key: string, read: () => T, restore: (value: T) => void): void {
  const held = draft?.parts.get(key)
  if (draft && held !== undefined) {
    draft.parts.delete(key)
    restore(held as T)
  }
  registry.set(key, read)
  onBeforeUnmount(() => {
    if (registry.get(key) === read) registry.delete(key)
  })
}
