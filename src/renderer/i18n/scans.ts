/** French texts of the scan picker (src/renderer/components/ScanPicker.vue), under `scans.*`. */
export const scansFr = {
  label: 'Copie numérisée',
  hint: 'PDF, JPEG ou PNG, 10 Mo au plus : le type est vérifié sur le contenu du fichier.',
  uploading: 'Envoi de « {name} »…',
  attached: 'Copie jointe : {name} ({size})',
  scanner: 'Dossier du scanner',
  scannerHide: 'Masquer le dossier du scanner',
  scannerRefresh: 'Actualiser',
  scannerLoading: 'Lecture du dossier du scanner…',
  scannerNone: 'Aucun dossier du scanner n’est réglé sur ce poste : un responsable peut le régler.',
  scannerEmpty: 'Le dossier du scanner est vide.',
  scannerList: 'Fichiers du dossier du scanner, les plus récents d’abord',
  scannerFile: '{name} — {size}, {date}',
  scannerImport: 'Joindre « {name} »',
  sizeKo: '{n} ko',
}
