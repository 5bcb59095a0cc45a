/**
 * Curated lists for the demo town (Carrières-sur-Seine, Yvelines, 78420).
 * Names keep their accents, hyphens, apostrophes and particles: the search must cope with them.
 */

/** Where a family's names come from; couples sometimes mix origins. */
export interface Origin {
  key: string
  /** Share of families whose first guardian comes from this origin. */
  weight: number
  /** Family names; weight falls with the rank (the first ones are the most common). */
  surnames: readonly string[]
  adultFemale: readonly string[]
  adultMale: readonly string[]
  /** Children's names specific to this origin (mixed with the common list). */
  childFemale: readonly string[]
  childMale: readonly string[]
  /** Share of children given a name from this origin's own list rather than the common one. */
  childOwnShare: number
}

export const ORIGINS: readonly Origin[] = [
  {
    key: 'fr',
    weight: 70,
    surnames: [
      'Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau',
      'Simon', 'Laurent', 'Lefèvre', 'Michel', 'Lefebvre', 'Girard', 'Roux', 'David', 'Bertrand', 'Morel',
      'Fournier', 'Bonnet', 'Dupont', 'Lambert', 'Fontaine', 'Rousseau', 'Vincent', 'Faure', 'André', 'Mercier',
      'Blanc', 'Guérin', 'Boyer', 'Garnier', 'Chevalier', 'François', 'Legrand', 'Gauthier', 'Perrin', 'Robin',
      'Clément', 'Morin', 'Nicolas', 'Henry', 'Roussel', 'Mathieu', 'Gautier', 'Masson', 'Marchand', 'Duval',
      'Denis', 'Dumont', 'Lemaire', 'Noël', 'Dufour', 'Meunier', 'Brun', 'Blanchard', 'Giraud', 'Joly',
      'Rivière', 'Lucas', 'Brunet', 'Gaillard', 'Barbier', 'Arnaud', 'Gérard', 'Roche', 'Renard', 'Roy',
      'Leroux', 'Colin', 'Vidal', 'Caron', 'Picard', 'Roger', 'Fabre', 'Aubert', 'Lemoine', 'Renaud',
      'Dumas', 'Lacroix', 'Olivier', 'Philippe', 'Bourgeois', 'Pierre', 'Benoît', 'Rey', 'Leclerc', 'Rolland',
      'Leclercq', 'Guillaume', 'Lecomte', 'Hubert', 'Berger', 'Carpentier', 'Dupuis', 'Moulin', 'Huet', 'Vasseur',
      'Boucher', 'Fleury', 'Royer', 'Jacquet', 'Adam', 'Poirier', 'Aubry', 'Guyot', 'Carré', 'Charpentier',
      'Ménard', 'Maillard', 'Baron', 'Bertin', 'Bailly', 'Hervé', 'Le Gall', 'Léger', 'Bouvier', 'Prévost',
      'Perrot', 'Le Roux', 'Cousin', 'Germain', 'Breton', 'Langlois', 'Rémy', 'Le Goff', 'Pelletier', 'Lévêque',
      'Leblanc', 'Barré', 'Lebrun', 'Marchal', 'Hamon', 'Boulanger', 'Monnier', 'Michaud', 'Gillet', 'Étienne',
      'Tessier', 'Chauvin', 'Lemaître', 'Bénard', 'Maréchal', 'Humbert', 'Barthélemy', 'Cordier', 'Lejeune', 'Delaunay',
      'Crépin', 'Hébert', 'Le Bihan', 'Le Corre', 'Lefèvre-Martin', 'Dubois-Lemaître', 'Saint-Martin', 'de Villiers',
      'Desprès', 'Géraud', 'Thibault', 'Lemercier', 'Châtelain', 'Poulain', 'Béranger', 'Després', 'Dussaud', 'Jourdain',
    ],
    adultFemale: [
      'Marie', 'Nathalie', 'Isabelle', 'Sandrine', 'Stéphanie', 'Céline', 'Aurélie', 'Émilie', 'Julie', 'Sophie',
      'Caroline', 'Virginie', 'Élodie', 'Laetitia', 'Audrey', 'Marion', 'Camille', 'Pauline', 'Mélanie', 'Anaïs',
      'Amélie', 'Hélène', 'Marie-Hélène', 'Anne-Sophie', 'Clémence', 'Charlotte', 'Laure', 'Delphine', 'Karine', 'Vanessa',
      'Sarah', 'Manon', 'Laura', 'Gaëlle', 'Maëva', 'Noémie', 'Chloé', 'Lucie', 'Mathilde', 'Agathe',
      'Anne-Laure', 'Marie-Anne', 'Bérénice', 'Cécile', 'Valérie', 'Séverine', 'Fanny', 'Claire', 'Justine', 'Léa',
      'Marie-Charlotte', 'Éloïse', 'Margaux', 'Solène', 'Inès',
    ],
    adultMale: [
      'Jean-Baptiste', 'Nicolas', 'Julien', 'Sébastien', 'Stéphane', 'Christophe', 'Frédéric', 'Olivier', 'Guillaume', 'Jérôme',
      'Thomas', 'Maxime', 'Alexandre', 'Romain', 'Mathieu', 'Antoine', 'Benoît', 'Cédric', 'Loïc', 'Damien',
      'Fabien', 'Grégory', 'David', 'Laurent', 'Vincent', 'Arnaud', 'François', 'Pierre-Yves', 'Jean-François', 'Jean-Philippe',
      'Hervé', 'Cyril', 'Aurélien', 'Kévin', 'Jérémy', 'Rémi', 'Benjamin', 'Florian', 'Adrien', 'Raphaël',
      'Yannick', 'Gaël', 'Erwan', 'Clément', 'Matthieu', 'Pierre', 'Éric', 'Franck', 'Ludovic', 'Jean-Marc',
      'Théo', 'Hugo', 'Pierre-Alexandre', 'Bastien', 'Grégoire',
    ],
    childFemale: [],
    childMale: [],
    childOwnShare: 0,
  },
  {
    key: 'maghreb',
    weight: 10,
    surnames: [
      'Ben Saïd', 'Benali', 'Haddad', 'Mansouri', 'Bouaziz', 'Saïdi', 'Chérif', 'Belkacem', 'Meziane', 'Brahimi',
      'Amrani', 'Hamidi', 'El Amrani', 'Benyahia', 'Aït Ahmed', 'Boumediene', 'Zerrouki', 'Khelifi', 'Ouali', 'Benhamou',
      'Mokrani', 'Rahmani', 'Bensaïd', 'Taleb', 'Djebbar',
    ],
    adultFemale: ['Fatima', 'Samia', 'Nadia', 'Leïla', 'Yasmine', 'Myriam', 'Sonia', 'Karima', 'Nawel', 'Souad', 'Amel', 'Sabrina', 'Naïma', 'Inès', 'Salima'],
    adultMale: ['Karim', 'Mehdi', 'Rachid', 'Samir', 'Mohamed', 'Youssef', 'Nabil', 'Farid', 'Hakim', 'Sofiane', 'Bilal', 'Yacine', 'Mourad', 'Redouane', 'Saïd'],
    childFemale: ['Yasmine', 'Aya', 'Nour', 'Maryam', 'Sofia', 'Inaya', 'Lina', 'Assia', 'Aïcha', 'Salomé', 'Kenza', 'Lyna'],
    childMale: ['Adam', 'Mohamed', 'Ibrahim', 'Ayoub', 'Yanis', 'Rayan', 'Ismaël', 'Ilyès', 'Amir', 'Zakaria', 'Naïm', 'Younès'],
    childOwnShare: 0.6,
  },
  {
    key: 'afrique',
    weight: 5,
    surnames: [
      "N'Diaye", 'Diallo', 'Traoré', 'Camara', 'Diop', 'Sy', 'Mendy', 'Koné', 'Coulibaly', 'Ouattara',
      'Cissé', 'Keïta', 'Sow', 'Fofana', 'Mbaye', "N'Guessan", 'Kouassi', 'Bamba', 'Sissoko', 'Touré',
    ],
    adultFemale: ['Fatoumata', 'Aminata', 'Mariam', 'Awa', 'Aïssatou', 'Kadiatou', 'Ramatoulaye', 'Bintou', 'Christelle', 'Grâce', 'Aurélie', 'Mireille'],
    adultMale: ['Mamadou', 'Moussa', 'Ibrahima', 'Abdoulaye', 'Ousmane', 'Seydou', 'Boubacar', 'Cheikh', 'Serge', 'Jean-Marc', 'Didier', 'Franck'],
    childFemale: ['Fatoumata', 'Aminata', 'Mariam', 'Awa', 'Kadija', 'Binta', 'Océane', 'Grâce'],
    childMale: ['Moussa', 'Ibrahima', 'Mamadou', 'Issa', 'Souleymane', 'Ethan', 'Kylian', 'Noah'],
    childOwnShare: 0.45,
  },
  {
    key: 'lusophone',
    weight: 5,
    surnames: [
      'Da Silva', 'Dos Santos', 'Ferreira', 'Pereira', 'Rodrigues', 'Gonçalves', 'Fernandes', 'Lopes', 'Martins', 'Da Costa',
      'De Oliveira', "D'Almeida", 'Carvalho', 'Teixeira', 'Ribeiro', 'Sousa', 'Monteiro', 'Moreira', 'Cardoso', 'Pinto',
    ],
    adultFemale: ['Ana', 'Sandra', 'Carla', 'Sónia', 'Cristina', 'Patrícia', 'Marta', 'Sofia', 'Vanessa', 'Mélanie', 'Jessica', 'Isabel'],
    adultMale: ['João', 'Pedro', 'Luís', 'Carlos', 'Paulo', 'Rui', 'Nuno', 'José', 'Fábio', 'Tiago', 'Miguel', 'Manuel'],
    childFemale: ['Beatriz', 'Inês', 'Leonor', 'Mariana', 'Clara', 'Lara'],
    childMale: ['Tiago', 'Rafael', 'Gabriel', 'Lucas', 'Diogo', 'Rodrigo'],
    childOwnShare: 0.35,
  },
  {
    key: 'asie',
    weight: 3,
    surnames: ['Nguyen', 'Tran', 'Le', 'Pham', 'Hoang', 'Vu', 'Dang', 'Zhang', 'Wang', 'Chen', 'Lin', 'Truong', 'Ly', 'Huynh'],
    adultFemale: ['Linh', 'Mai', 'Thi Thu', 'Lan', 'Hoa', 'Mei', 'Ying', 'Christine', 'Sylvie', 'Julie'],
    adultMale: ['Minh', 'Tuan', 'Duc', 'Hung', 'Wei', 'Jun', 'Kévin', 'Christophe', 'David', 'Thierry'],
    childFemale: ['Linh', 'Mai', 'Emma', 'Chloé', 'Alice'],
    childMale: ['Minh', 'Lucas', 'Ethan', 'Léo', 'Nathan'],
    childOwnShare: 0.25,
  },
  {
    key: 'europe',
    weight: 7,
    surnames: [
      'Müller', 'Schmitt', 'Meyer', 'Klein', 'Weber', 'Schneider', 'Kowalski', 'Nowak', 'Rossi', 'Russo',
      'Esposito', 'Romano', 'Garcia', 'Martinez', 'Lopez', 'Sanchez', 'Fernandez', 'Pérez', 'Rodriguez', 'Gómez',
      'Cohen', 'Lévy', 'Benhaïm', 'Popescu', 'Ionescu', 'Yilmaz', 'Kaya', 'Papadopoulos', "O'Connor", 'García',
    ],
    adultFemale: ['Anna', 'Elena', 'Giulia', 'Carmen', 'Lucía', 'Agnieszka', 'Ioana', 'Rachel', 'Déborah', 'Esther', 'Sophie', 'Marie', 'Élise', 'Nathalie'],
    adultMale: ['Marco', 'Luca', 'Javier', 'Alejandro', 'Piotr', 'Andrei', 'Daniel', 'Jonathan', 'Yoann', 'Stéphane', 'Julien', 'Nicolas', 'Emre', 'Michaël'],
    childFemale: ['Giulia', 'Elena', 'Léa', 'Rachel', 'Eva', 'Lucía'],
    childMale: ['Matteo', 'Lorenzo', 'Elio', 'Nathan', 'Noam', 'David'],
    childOwnShare: 0.25,
  },
]

/** Children's first names common to every family (those given in France around 2015–2024). */
export const CHILD_FEMALE: readonly string[] = [
  'Emma', 'Jade', 'Louise', 'Alice', 'Chloé', 'Lina', 'Léa', 'Rose', 'Anna', 'Mila',
  'Ambre', 'Julia', 'Mia', 'Inès', 'Léna', 'Zoé', 'Agathe', 'Jeanne', 'Lou', 'Éloïse',
  'Adèle', 'Romane', 'Iris', 'Juliette', 'Nina', 'Clémence', 'Anaïs', 'Margaux', 'Victoire', 'Capucine',
  'Maëlys', 'Héloïse', 'Alba', 'Manon', 'Camille', 'Sarah', 'Lucie', 'Ava', 'Léonie', 'Apolline',
  'Céleste', 'Noémie', 'Marie-Lou', 'Louna', 'Thaïs', 'Azélie', 'Élise', 'Gabrielle', 'Charlotte', 'Éléonore',
  'Lya', 'Maëlle', 'Constance', 'Joséphine', 'Anouk', 'Garance', 'Hélène', 'Marie-Ange', 'Zélie', 'Océane',
]

export const CHILD_MALE: readonly string[] = [
  'Gabriel', 'Léo', 'Raphaël', 'Arthur', 'Louis', 'Jules', 'Adam', 'Maël', 'Lucas', 'Hugo',
  'Noah', 'Liam', 'Gabin', 'Sacha', 'Paul', 'Nathan', 'Aaron', 'Ethan', 'Tom', 'Éden',
  'Léon', 'Noé', 'Tiago', 'Théo', 'Isaac', 'Marius', 'Victor', 'Martin', 'Nino', 'Axel',
  'Valentin', 'Timothée', 'Baptiste', 'Augustin', 'Côme', 'Éliott', 'Mathis', 'Enzo', 'Malo', 'Clément',
  'Antoine', 'Jean-Baptiste', 'Pierre-Louis', 'Loïc', 'Anatole', 'Célestin', 'Joachim', 'Aurèle', 'Gaspard', 'Ézéchiel',
  'Élie', 'Timéo', 'Mathéo', 'Noam', 'Basile', 'Marceau', 'Jean-Gabriel', 'Aloïs', 'Rémi', 'Benoît',
]

/** Grand-parents' first names (born around 1945–1970). */
export const SENIOR_FEMALE: readonly string[] = [
  'Françoise', 'Monique', 'Catherine', 'Martine', 'Sylvie', 'Brigitte', 'Dominique', 'Chantal', 'Christine', 'Nicole',
  'Josiane', 'Annie', 'Michèle', 'Évelyne', 'Geneviève', 'Danièle', 'Marie-Claude', 'Marie-Thérèse', 'Jocelyne', 'Hélène',
]
export const SENIOR_MALE: readonly string[] = [
  'Jean-Pierre', 'Michel', 'Alain', 'Patrick', 'Philippe', 'Gérard', 'Bernard', 'Daniel', 'Jacques', 'Christian',
  'Didier', 'Thierry', 'Pascal', 'Jean-Claude', 'René', 'Serge', 'Hervé', 'Gilles', 'Jean-Louis', 'André',
]

/** A street of the town: name, relative weight (how many families live there), highest number, school sector. */
export interface Street {
  name: string
  weight: number
  maxNumber: number
  sector: number
}

export const TOWN = { postcode: '78420', city: 'Carrières-sur-Seine' } as const

export const TOWN_STREETS: readonly Street[] = [
  { name: 'Grande Rue', weight: 4, maxNumber: 140, sector: 1 },
  { name: 'rue Victor-Hugo', weight: 3, maxNumber: 90, sector: 1 },
  { name: 'rue de Chatou', weight: 3, maxNumber: 120, sector: 2 },
  { name: 'avenue Maurice-Berteaux', weight: 3, maxNumber: 110, sector: 0 },
  { name: 'rue Gabriel-Péri', weight: 2, maxNumber: 80, sector: 1 },
  { name: 'boulevard Carnot', weight: 2, maxNumber: 60, sector: 2 },
  { name: 'rue des Alouettes', weight: 2, maxNumber: 70, sector: 0 },
  { name: 'rue du Général-Leclerc', weight: 3, maxNumber: 120, sector: 3 },
  { name: 'chemin de la Procession', weight: 1, maxNumber: 40, sector: 3 },
  { name: 'rue Louis-Blériot', weight: 2, maxNumber: 60, sector: 3 },
  { name: 'quai Charles-de-Gaulle', weight: 1, maxNumber: 50, sector: 1 },
  { name: 'rue de Bezons', weight: 2, maxNumber: 90, sector: 0 },
  { name: 'rue Jean-Jaurès', weight: 2, maxNumber: 80, sector: 2 },
  { name: 'allée des Tilleuls', weight: 1, maxNumber: 24, sector: 0 },
  { name: 'rue Émile-Zola', weight: 2, maxNumber: 70, sector: 2 },
  { name: 'rue Pasteur', weight: 1, maxNumber: 50, sector: 1 },
  { name: 'rue Alexandre-Dumas', weight: 1, maxNumber: 40, sector: 3 },
  { name: 'rue des Écoles', weight: 1, maxNumber: 30, sector: 1 },
  { name: 'rue Paul-Doumer', weight: 1, maxNumber: 60, sector: 2 },
  { name: 'rue de Montesson', weight: 2, maxNumber: 100, sector: 3 },
  { name: 'rue Gambetta', weight: 1, maxNumber: 50, sector: 2 },
  { name: 'rue de la République', weight: 1, maxNumber: 70, sector: 1 },
  { name: 'allée des Acacias', weight: 1, maxNumber: 20, sector: 3 },
  { name: 'rue des Cerisiers', weight: 1, maxNumber: 40, sector: 0 },
  { name: 'sentier des Vignes', weight: 1, maxNumber: 20, sector: 0 },
  { name: 'rue Jules-Ferry', weight: 1, maxNumber: 50, sector: 0 },
  { name: 'rue Jean-Mermoz', weight: 1, maxNumber: 40, sector: 2 },
  { name: 'rue Paul-Bert', weight: 1, maxNumber: 40, sector: 2 },
  { name: 'allée des Amandiers', weight: 1, maxNumber: 30, sector: 3 },
  { name: "rue d'Estienne-d'Orves", weight: 1, maxNumber: 40, sector: 3 },
  { name: 'rue Édouard-Vaillant', weight: 1, maxNumber: 50, sector: 1 },
  { name: 'rue du Château', weight: 1, maxNumber: 30, sector: 1 },
  { name: 'rue de la Plaine', weight: 1, maxNumber: 60, sector: 3 },
  { name: 'impasse des Lilas', weight: 1, maxNumber: 12, sector: 0 },
  { name: 'rue Maurice-Ravel', weight: 1, maxNumber: 30, sector: 2 },
  { name: 'rue Hector-Berlioz', weight: 1, maxNumber: 30, sector: 2 },
  { name: 'rue Lucien-Jean', weight: 1, maxNumber: 40, sector: 0 },
  { name: 'allée Claude-Debussy', weight: 1, maxNumber: 20, sector: 2 },
]

/** Neighbouring towns (a few families live outside the town and still use its schools). */
export const NEIGHBOUR_TOWNS: ReadonlyArray<{ postcode: string; city: string; streets: readonly string[] }> = [
  { postcode: '78400', city: 'Chatou', streets: ['avenue du Maréchal-Foch', 'rue du Général-Colin', "avenue d'Eprémesnil", 'boulevard de la République'] },
  { postcode: '78800', city: 'Houilles', streets: ['rue Gambetta', 'boulevard Jean-Jaurès', 'rue de la Marne', 'rue Victor-Hugo'] },
  { postcode: '78360', city: 'Montesson', streets: ['avenue Gabriel-Péri', 'rue du Général-de-Gaulle', 'chemin de Ronde', 'rue de la Borde'] },
]

export const RESIDENCES: readonly string[] = [
  'Résidence Les Tilleuls', 'Résidence du Parc', 'Résidence Les Vignes', 'Résidence Le Clos Saint-Jean',
  'Résidence Les Hauts de Seine', 'Résidence Les Peupliers',
]

/** The town's schools, created when the `schools` table is empty. Same sector index = same catchment. */
export const TOWN_SCHOOLS: ReadonlyArray<{
  name: string
  kind: 'maternelle' | 'elementaire' | 'primaire'
  address: string
  sector: number
}> = [
  { name: 'École maternelle Les Alouettes', kind: 'maternelle', address: '14 rue des Alouettes, 78420 Carrières-sur-Seine', sector: 0 },
  { name: 'École élémentaire Jules-Ferry', kind: 'elementaire', address: '2 rue Jules-Ferry, 78420 Carrières-sur-Seine', sector: 0 },
  { name: 'École maternelle Victor-Hugo', kind: 'maternelle', address: '31 rue Victor-Hugo, 78420 Carrières-sur-Seine', sector: 1 },
  { name: 'École élémentaire Victor-Hugo', kind: 'elementaire', address: '33 rue Victor-Hugo, 78420 Carrières-sur-Seine', sector: 1 },
  { name: 'École maternelle Paul-Bert', kind: 'maternelle', address: '5 rue Paul-Bert, 78420 Carrières-sur-Seine', sector: 2 },
  { name: 'École élémentaire Jean-Mermoz', kind: 'elementaire', address: '18 rue Jean-Mermoz, 78420 Carrières-sur-Seine', sector: 2 },
  { name: 'Groupe scolaire Les Amandiers', kind: 'primaire', address: '1 allée des Amandiers, 78420 Carrières-sur-Seine', sector: 3 },
]

/** Professions as [masculine, feminine]. */
export const PROFESSIONS: ReadonlyArray<readonly [string, string]> = [
  ['Professeur des écoles', 'Professeure des écoles'],
  ['Infirmier', 'Infirmière'],
  ['Aide-soignant', 'Aide-soignante'],
  ['Comptable', 'Comptable'],
  ['Ingénieur', 'Ingénieure'],
  ['Développeur informatique', 'Développeuse informatique'],
  ['Chef de projet', 'Cheffe de projet'],
  ['Cadre commercial', 'Cadre commerciale'],
  ['Employé de banque', 'Employée de banque'],
  ['Agent immobilier', 'Agente immobilière'],
  ['Conducteur de bus', 'Conductrice de bus'],
  ['Électricien', 'Électricienne'],
  ['Plombier', 'Plombière'],
  ['Boulanger', 'Boulangère'],
  ['Pharmacien', 'Pharmacienne'],
  ['Médecin', 'Médecin'],
  ['Avocat', 'Avocate'],
  ['Architecte', 'Architecte'],
  ['Commerçant', 'Commerçante'],
  ['Vendeur', 'Vendeuse'],
  ['Secrétaire médical', 'Secrétaire médicale'],
  ['Assistant de direction', 'Assistante de direction'],
  ['Agent de sécurité', 'Agente de sécurité'],
  ['Policier', 'Policière'],
  ['Sapeur-pompier', 'Sapeuse-pompière'],
  ['Fonctionnaire territorial', 'Fonctionnaire territoriale'],
  ['Cuisinier', 'Cuisinière'],
  ['Serveur', 'Serveuse'],
  ['Auxiliaire de puériculture', 'Auxiliaire de puériculture'],
  ['Éducateur spécialisé', 'Éducatrice spécialisée'],
  ['Maraîcher', 'Maraîchère'],
  ['Technicien de maintenance', 'Technicienne de maintenance'],
  ['Consultant', 'Consultante'],
  ['Journaliste', 'Journaliste'],
  ['Graphiste', 'Graphiste'],
  ['Kinésithérapeute', 'Kinésithérapeute'],
  ['Chargé de clientèle', 'Chargée de clientèle'],
  ['Responsable logistique', 'Responsable logistique'],
  ['Magasinier', 'Magasinière'],
  ['Artisan peintre', 'Artisane peintre'],
  ["Agent d'entretien", "Agente d'entretien"],
  ['Auto-entrepreneur', 'Auto-entrepreneuse'],
  ['Contrôleur SNCF', 'Contrôleuse SNCF'],
  ['Conducteur RATP', 'Conductrice RATP'],
  ['Pilote de ligne', 'Pilote de ligne'],
  ['Steward', "Hôtesse de l'air"],
  ['Chauffeur VTC', 'Chauffeuse VTC'],
  ['Agent de la fonction publique', 'Agente de la fonction publique'],
  ['En recherche d’emploi', 'En recherche d’emploi'],
  ['Au foyer', 'Au foyer'],
]

export const EMAIL_PROVIDERS: ReadonlyArray<readonly [string, number]> = [
  ['gmail.com', 34],
  ['orange.fr', 22],
  ['free.fr', 12],
  ['sfr.fr', 8],
  ['outlook.fr', 8],
  ['hotmail.fr', 6],
  ['laposte.net', 6],
  ['yahoo.fr', 4],
]

/** Contacts (rattachement "contact"): relation, sex, weight, generation. */
export const CONTACT_RELATIONS: ReadonlyArray<
  readonly [relation: string, sex: 'F' | 'M', weight: number, kind: 'grandparent' | 'family' | 'other']
> = [
  ['Grand-mère', 'F', 34, 'grandparent'],
  ['Grand-père', 'M', 14, 'grandparent'],
  ['Tante', 'F', 10, 'family'],
  ['Oncle', 'M', 7, 'family'],
  ['Voisine', 'F', 8, 'other'],
  ['Voisin', 'M', 3, 'other'],
  ['Nounou', 'F', 8, 'other'],
  ['Assistante maternelle', 'F', 6, 'other'],
  ['Amie de la famille', 'F', 5, 'other'],
  ['Ami de la famille', 'M', 2, 'other'],
  ['Marraine', 'F', 2, 'family'],
  ['Parrain', 'M', 1, 'family'],
]

/** People a family asks the school and centres never to hand the children to. */
export const FORBIDDEN_RELATIONS: ReadonlyArray<readonly [relation: string, sex: 'F' | 'M', weight: number]> = [
  ['Père (décision du juge)', 'M', 5],
  ['Beau-père', 'M', 2],
  ['Oncle', 'M', 1],
  ['Grand-père paternel', 'M', 1],
  ['Mère (décision du juge)', 'F', 1],
  ['Tiers', 'M', 1],
]
