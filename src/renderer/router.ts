import { createRouter, createWebHashHistory } from 'vue-router'
import { useSessionStore } from './stores/session'
import LoginView from './views/LoginView.vue'
import SearchView from './views/SearchView.vue'
import FamilyView from './views/FamilyView.vue'
import RejectionsView from './views/RejectionsView.vue'
import WorkstationView from './views/WorkstationView.vue'
import TownSettingsView from './views/TownSettingsView.vue'
import ServicesSettingsView from './views/ServicesSettingsView.vue'
import NewFamilyView from './views/NewFamilyView.vue'
import SiteDayView from './views/SiteDayView.vue'
import CashDeskView from './views/CashDeskView.vue'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a logged-in agent. */
    public?: boolean
  }
}

export const router = createRouter({
  // Hash history works the same under app:// (Electron) and the web shell.
  history: createWebHashHistory(),
  routes: [
    { path: '/connexion', name: 'login', component: LoginView, meta: { public: true } },
    { path: '/', name: 'search', component: SearchView },
    { path: '/familles/nouvelle', name: 'new-family', component: NewFamilyView },
    { path: '/familles/:id', name: 'family', component: FamilyView, props: true },
    { path: '/a-traiter', name: 'rejections', component: RejectionsView },
    { path: '/rejets', redirect: '/a-traiter' },
    { path: '/liste-du-jour', name: 'site-day', component: SiteDayView },
    { path: '/caisse', name: 'cash-desk', component: CashDeskView },
    { path: '/poste', name: 'workstation', component: WorkstationView },
    { path: '/parametres', name: 'town-settings', component: TownSettingsView },
    { path: '/parametres/services', name: 'services-settings', component: ServicesSettingsView },
    { path: '/:pathMatch(.*)*', redirect: '/' },
  ],
})

router.beforeEach(async (to) => {
  const session = useSessionStore()
  await session.ensureInitialized()
  if (!to.meta.public && !session.isAuthenticated) return { name: 'login' }
  if (to.name === 'login' && session.isAuthenticated) return { name: 'search' }
  return true
})
