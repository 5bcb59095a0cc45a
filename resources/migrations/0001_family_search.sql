-- Family search index (SQLite FTS5), written by src/main/core/services/search.ts.
-- Accents are folded ("lefevre" finds "Lefèvre"); hyphens split words ("jean baptiste"
-- finds "Jean-Baptiste"). `family` (the family's name) weighs most, then `names` (every
-- member), then `other` (code famille, phones as digits, e-mails, city). Prefix indexes
-- keep what-you-type prefixes fast. `summary` is the JSON the result list shows.
CREATE VIRTUAL TABLE `family_search` USING fts5(
  `family_id` UNINDEXED,
  `summary` UNINDEXED,
  `family`,
  `names`,
  `other`,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3 4'
);
--> statement-breakpoint
INSERT INTO `family_search`(`family_search`, `rank`) VALUES('rank', 'bm25(0.0, 0.0, 20.0, 5.0, 1.0)');
