/**
 * The town's periscolaire units with their default capacity per site and day (town data,
 * editable; DOMAIN.md "Periscolaire services"). Written with the demo town when missing.
 * (src/common: shared by the workstation and the portal.)
 */
export const DEFAULT_UNITS = [
  { id: 'garderie_matin', label: 'Garderie du matin', levels: 'tous', defaultCapacity: 40 },
  { id: 'cantine', label: 'Restauration scolaire', levels: 'tous', defaultCapacity: 150 },
  { id: 'etude', label: 'Étude surveillée', levels: 'elementaire', defaultCapacity: 25 },
  { id: 'garderie_soir', label: 'Garderie du soir', levels: 'tous', defaultCapacity: 40 },
  { id: 'alsh_mercredi', label: 'Accueil de loisirs du mercredi', levels: 'tous', defaultCapacity: 60 },
  { id: 'alsh_vacances', label: 'Accueil de loisirs des vacances', levels: 'tous', defaultCapacity: 80 },
] as const
