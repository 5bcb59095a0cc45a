import type { InjectionKey, Ref } from 'vue'

/** The « Nouvelle famille » form's errors at the field (field DOM id → French message), given to each EnrolField. */
export const ENROL_ERRORS: InjectionKey<Ref<Record<string, string>>> = Symbol('enrolErrors')
