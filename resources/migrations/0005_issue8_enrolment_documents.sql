CREATE TABLE `document_requirements` (
	`id` text PRIMARY KEY NOT NULL,
	`label` text NOT NULL,
	`per` text NOT NULL,
	`needed_for` text NOT NULL,
	`mandatory` integer DEFAULT true NOT NULL,
	`sort` integer DEFAULT 0 NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`updated_at` text NOT NULL,
	CONSTRAINT "document_requirements_per_check" CHECK("per" IN ('family', 'guardian', 'child'))
);
--> statement-breakpoint
CREATE TABLE `document_types` (
	`id` text PRIMARY KEY NOT NULL,
	`label` text NOT NULL,
	`requirement_id` text NOT NULL,
	`rule_kind` text NOT NULL,
	`rule_value` integer,
	`rule_day` text,
	`accepted` integer DEFAULT true NOT NULL,
	`keep_scan` text NOT NULL,
	`sort` integer DEFAULT 0 NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`requirement_id`) REFERENCES `document_requirements`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "document_types_rule_kind_check" CHECK("rule_kind" IN ('months', 'days', 'school_year', 'until', 'vaccinations', 'none')),
	CONSTRAINT "document_types_keep_scan_check" CHECK("keep_scan" IN ('optional', 'never'))
);
--> statement-breakpoint
CREATE INDEX `document_types_requirement_idx` ON `document_types` (`requirement_id`);--> statement-breakpoint
CREATE TABLE `documents` (
	`id` text PRIMARY KEY NOT NULL,
	`family_id` text NOT NULL,
	`person_id` text,
	`requirement_id` text NOT NULL,
	`type_id` text NOT NULL,
	`document_date` text NOT NULL,
	`valid_until` text,
	`status` text NOT NULL,
	`refusal_reason` text,
	`storage` text NOT NULL,
	`scan_sha256` text,
	`scan_mime` text,
	`scan_size` integer,
	`scan_name` text,
	`school_year` text NOT NULL,
	`checked_by` text,
	`checked_at` text NOT NULL,
	`workstation_id` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`family_id`) REFERENCES `families`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "documents_status_check" CHECK("status" IN ('recue', 'validee', 'refusee', 'expiree')),
	CONSTRAINT "documents_storage_check" CHECK("storage" IN ('scan', 'vu'))
);
--> statement-breakpoint
CREATE INDEX `documents_family_idx` ON `documents` (`family_id`,`school_year`);--> statement-breakpoint
CREATE TABLE `dossiers` (
	`id` text PRIMARY KEY NOT NULL,
	`family_id` text NOT NULL,
	`school_year` text NOT NULL,
	`status` text NOT NULL,
	`validated_by` text,
	`validated_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`family_id`) REFERENCES `families`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "dossiers_status_check" CHECK("status" IN ('incomplet', 'complet', 'valide'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dossiers_family_year_uq` ON `dossiers` (`family_id`,`school_year`);--> statement-breakpoint
CREATE TABLE `inscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`family_id` text NOT NULL,
	`child_id` text NOT NULL,
	`unit_id` text NOT NULL,
	`site_id` text NOT NULL,
	`school_year` text NOT NULL,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`family_id`) REFERENCES `families`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`child_id`) REFERENCES `persons`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`site_id`) REFERENCES `schools`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "inscriptions_status_check" CHECK("status" IN ('active', 'terminee'))
);
--> statement-breakpoint
CREATE INDEX `inscriptions_family_idx` ON `inscriptions` (`family_id`,`school_year`);--> statement-breakpoint
CREATE INDEX `inscriptions_child_idx` ON `inscriptions` (`child_id`,`unit_id`,`school_year`);--> statement-breakpoint
CREATE TABLE `quotients` (
	`id` text PRIMARY KEY NOT NULL,
	`family_id` text NOT NULL,
	`value` integer NOT NULL,
	`source` text NOT NULL,
	`reference_month` text,
	`valid_from` text NOT NULL,
	`annual_income_cents` integer,
	`monthly_benefits_cents` integer,
	`parts_x2` integer,
	`document_id` text,
	`agent_id` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`family_id`) REFERENCES `families`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "quotients_source_check" CHECK("source" IN ('caf', 'msa', 'avis_imposition', 'manuel', 'calcul'))
);
--> statement-breakpoint
CREATE INDEX `quotients_family_idx` ON `quotients` (`family_id`,`valid_from`);--> statement-breakpoint
CREATE TABLE `town_options` (
	`id` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_families` (
	`id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`name` text NOT NULL,
	`address_line1` text NOT NULL,
	`address_line2` text,
	`postcode` text NOT NULL,
	`city` text NOT NULL,
	`caisse` text,
	`allocataire_number` text,
	`paperless_invoices` integer DEFAULT false NOT NULL,
	`resident` integer DEFAULT false NOT NULL,
	`separated_parents` integer DEFAULT false NOT NULL,
	`hosted` integer DEFAULT false NOT NULL,
	`payer_person_id` text,
	`consent_qf_api` integer DEFAULT false NOT NULL,
	`consent_image` integer DEFAULT false NOT NULL,
	`consent_emergency_care` integer DEFAULT false NOT NULL,
	`merged_into` text,
	`merged_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	CONSTRAINT "families_caisse_check" CHECK("caisse" IN ('CAF', 'MSA', 'autre'))
);
--> statement-breakpoint
INSERT INTO `__new_families`("id", "code", "name", "address_line1", "address_line2", "postcode", "city", "caisse", "allocataire_number", "paperless_invoices", "created_at", "updated_at") SELECT "id", "code", "name", "address_line1", "address_line2", "postcode", "city", "caisse", "allocataire_number", "paperless_invoices", "created_at", "updated_at" FROM `families`;--> statement-breakpoint
DROP TABLE `families`;--> statement-breakpoint
ALTER TABLE `__new_families` RENAME TO `families`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `families_code_uq` ON `families` (`code`);--> statement-breakpoint
ALTER TABLE `persons` ADD `birth_commune` text;--> statement-breakpoint
ALTER TABLE `persons` ADD `birth_country` text;--> statement-breakpoint
ALTER TABLE `persons` ADD `address_line1` text;--> statement-breakpoint
ALTER TABLE `persons` ADD `address_line2` text;--> statement-breakpoint
ALTER TABLE `persons` ADD `postcode` text;--> statement-breakpoint
ALTER TABLE `persons` ADD `city` text;--> statement-breakpoint
ALTER TABLE `persons` ADD `employer` text;--> statement-breakpoint
ALTER TABLE `persons` ADD `pai` integer DEFAULT false NOT NULL;