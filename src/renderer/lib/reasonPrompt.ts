import { nextTick, ref, type Ref } from 'vue'

/**
 * An inline prompt that asks a person for a reason or a note before an action (discard a
 * refused change, settle a flagged fact): which row it is open on, the text typed, and the
 * problem to show. The field takes the focus when it opens; Escape closes it and gives the
 * focus back to the row's button (components/ReasonForm.vue asks for it); fewer than `minLength` characters are refused with a clear
 * message in the field, without calling the core.
 */
export interface ReasonPrompt<K extends string | number> {
  open: Ref<K | null>
  text: Ref<string>
  problem: Ref<string>
  ask(key: K): Promise<void>
  close(key: K): Promise<void>
  /** The trimmed text when it is long enough; otherwise shows the problem, focuses the field and returns null. */
  validated(key: K): string | null
}

export function useReasonPrompt<K extends string | number>(opts: {
  /** The id of the text field, and of the button that opens the prompt, for a row. */
  fieldId: (key: K) => string
  buttonId: (key: K) => string
  tooShort: () => string
  minLength?: number
  onAsk?: () => void
}): ReasonPrompt<K> {
  const open = ref(null) as Ref<K | null>
  const text = ref('')
  const problem = ref('')
  const focus = (id: string) => document.getElementById(id)?.focus()

  async function close(key: K): Promise<void> {
    open.value = null
    problem.value = ''
    await nextTick()
    focus(opts.buttonId(key))
  }

  return {
    open,
    text,
    problem,
    async ask(key) {
      open.value = key
      text.value = ''
      problem.value = ''
      opts.onAsk?.()
      await nextTick()
      focus(opts.fieldId(key))
    },
    close,
    validated(key) {
      const value = text.value.trim()
      if (value.length < (opts.minLength ?? 3)) {
        problem.value = opts.tooShort()
        focus(opts.fieldId(key))
        return null
      }
      problem.value = ''
      return value
    },
  }
}
