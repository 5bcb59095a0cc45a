-- Family search, second pass (issue 8): the index gains `phonetic`, the French phonetic keys
-- (FONEM, src/shared/domain/phonetic.ts) of every name of the family, so that "lefebvre" finds
-- Lefèvre, "legoff" Le Goff and "muler" Müller. It weighs nothing in the rank: the second pass
-- ranks its matches after the exact ones itself. An FTS5 table cannot gain a column: it is
-- made again, empty; the core rebuilds it on its first start after this migration (the
-- setting search.doc_version differs from SEARCH_DOC_VERSION, src/main/core/services/search.ts).
-- `family_search_terms` lists the indexed words, for the typo tolerance (words within one or two
-- letters of what was typed).
DROP TABLE IF EXISTS `family_search`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `family_search` USING fts5(
  `family_id` UNINDEXED,
  `summary` UNINDEXED,
  `family`,
  `names`,
  `other`,
  `phonetic`,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3 4'
);
--> statement-breakpoint
INSERT INTO `family_search`(`family_search`, `rank`) VALUES('rank', 'bm25(0.0, 0.0, 20.0, 5.0, 1.0, 0.0)');
--> statement-breakpoint
CREATE VIRTUAL TABLE `family_search_terms` USING fts5vocab(`family_search`, 'col');
--> statement-breakpoint
DELETE FROM `settings` WHERE `key` = 'search.doc_version';
