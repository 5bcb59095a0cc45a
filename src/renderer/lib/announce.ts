import { ref } from 'vue'

/**
 * A sentence to announce on the next screen (« Dossier créé : code famille 230001K »): the
 * screen that did the work is gone once the router moves on, so App.vue's RouteAnnouncement shows
 * it (a polite live region that exists before the text arrives) until the screen after.
 */
export const pendingAnnouncement = ref<string | null>(null)

export function announceOnNextScreen(text: string): void {
  pendingAnnouncement.value = text
}
