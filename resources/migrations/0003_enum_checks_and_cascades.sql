PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_agents` (
	`id` text PRIMARY KEY NOT NULL,
	`login` text NOT NULL,
	`display_name` text NOT NULL,
	`initials` text NOT NULL,
	`role` text NOT NULL,
	`password_hash` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	CONSTRAINT "agents_role_check" CHECK("role" IN ('accueil', 'regisseur', 'responsable'))
);
--> statement-breakpoint
INSERT INTO `__new_agents`("id", "login", "display_name", "initials", "role", "password_hash", "active", "created_at", "updated_at") SELECT "id", "login", "display_name", "initials", "role", "password_hash", "active", "created_at", "updated_at" FROM `agents`;--> statement-breakpoint
DROP TABLE `agents`;--> statement-breakpoint
ALTER TABLE `__new_agents` RENAME TO `agents`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `agents_login_unique` ON `agents` (`login`);--> statement-breakpoint
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
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	CONSTRAINT "families_caisse_check" CHECK("caisse" IN ('CAF', 'MSA'))
);
--> statement-breakpoint
INSERT INTO `__new_families`("id", "code", "name", "address_line1", "address_line2", "postcode", "city", "caisse", "allocataire_number", "paperless_invoices", "created_at", "updated_at") SELECT "id", "code", "name", "address_line1", "address_line2", "postcode", "city", "caisse", "allocataire_number", "paperless_invoices", "created_at", "updated_at" FROM `families`;--> statement-breakpoint
DROP TABLE `families`;--> statement-breakpoint
ALTER TABLE `__new_families` RENAME TO `families`;--> statement-breakpoint
CREATE UNIQUE INDEX `families_code_uq` ON `families` (`code`);--> statement-breakpoint
CREATE TABLE `__new_family_members` (
	`id` text PRIMARY KEY NOT NULL,
	`family_id` text NOT NULL,
	`person_id` text NOT NULL,
	`role` text NOT NULL,
	`relation` text,
	`legal_guardian` integer DEFAULT false NOT NULL,
	`emergency_contact` integer DEFAULT false NOT NULL,
	`may_pick_up` integer DEFAULT false NOT NULL,
	`forbidden_pick_up` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`family_id`) REFERENCES `families`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`person_id`) REFERENCES `persons`(`id`) ON UPDATE no action ON DELETE restrict,
	CONSTRAINT "family_members_role_check" CHECK("role" IN ('RL1', 'RL2', 'enfant', 'contact'))
);
--> statement-breakpoint
INSERT INTO `__new_family_members`("id", "family_id", "person_id", "role", "relation", "legal_guardian", "emergency_contact", "may_pick_up", "forbidden_pick_up") SELECT "id", "family_id", "person_id", "role", "relation", "legal_guardian", "emergency_contact", "may_pick_up", "forbidden_pick_up" FROM `family_members`;--> statement-breakpoint
DROP TABLE `family_members`;--> statement-breakpoint
ALTER TABLE `__new_family_members` RENAME TO `family_members`;--> statement-breakpoint
CREATE INDEX `family_members_person_idx` ON `family_members` (`person_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `family_members_uq` ON `family_members` (`family_id`,`person_id`);--> statement-breakpoint
CREATE TABLE `__new_persons` (
	`id` text PRIMARY KEY NOT NULL,
	`civility` text,
	`last_name` text NOT NULL,
	`birth_name` text,
	`first_names` text NOT NULL,
	`sex` text,
	`birth_date` text,
	`phone_mobile` text,
	`phone_home` text,
	`phone_work` text,
	`email` text,
	`profession` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	CONSTRAINT "persons_civility_check" CHECK("civility" IN ('M.', 'Mme')),
	CONSTRAINT "persons_sex_check" CHECK("sex" IN ('F', 'M'))
);
--> statement-breakpoint
INSERT INTO `__new_persons`("id", "civility", "last_name", "birth_name", "first_names", "sex", "birth_date", "phone_mobile", "phone_home", "phone_work", "email", "profession", "created_at", "updated_at") SELECT "id", "civility", "last_name", "birth_name", "first_names", "sex", "birth_date", "phone_mobile", "phone_home", "phone_work", "email", "profession", "created_at", "updated_at" FROM `persons`;--> statement-breakpoint
DROP TABLE `persons`;--> statement-breakpoint
ALTER TABLE `__new_persons` RENAME TO `persons`;--> statement-breakpoint
CREATE TABLE `__new_reservations` (
	`id` text PRIMARY KEY NOT NULL,
	`family_id` text NOT NULL,
	`child_id` text NOT NULL,
	`unit_id` text NOT NULL,
	`site_id` text NOT NULL,
	`date` text NOT NULL,
	`state` text NOT NULL,
	`channel` text NOT NULL,
	`agent_id` text,
	`workstation_id` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`family_id`) REFERENCES `families`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`child_id`) REFERENCES `persons`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`site_id`) REFERENCES `schools`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "reservations_state_check" CHECK("state" IN ('reserve', 'annule')),
	CONSTRAINT "reservations_channel_check" CHECK("channel" IN ('guichet', 'portail'))
);
--> statement-breakpoint
INSERT INTO `__new_reservations`("id", "family_id", "child_id", "unit_id", "site_id", "date", "state", "channel", "agent_id", "workstation_id", "created_at", "updated_at") SELECT "id", "family_id", "child_id", "unit_id", "site_id", "date", "state", "channel", "agent_id", "workstation_id", "created_at", "updated_at" FROM `reservations`;--> statement-breakpoint
DROP TABLE `reservations`;--> statement-breakpoint
ALTER TABLE `__new_reservations` RENAME TO `reservations`;--> statement-breakpoint
CREATE INDEX `reservations_family_idx` ON `reservations` (`family_id`,`date`);--> statement-breakpoint
CREATE INDEX `reservations_slot_idx` ON `reservations` (`unit_id`,`site_id`,`date`,`state`);--> statement-breakpoint
CREATE INDEX `reservations_child_idx` ON `reservations` (`child_id`,`unit_id`,`date`);--> statement-breakpoint
CREATE TABLE `__new_schoolings` (
	`id` text PRIMARY KEY NOT NULL,
	`person_id` text NOT NULL,
	`school_id` text NOT NULL,
	`level` text NOT NULL,
	`class_name` text,
	`school_year` text NOT NULL,
	FOREIGN KEY (`person_id`) REFERENCES `persons`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`school_id`) REFERENCES `schools`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "schoolings_level_check" CHECK("level" IN ('TPS', 'PS', 'MS', 'GS', 'CP', 'CE1', 'CE2', 'CM1', 'CM2'))
);
--> statement-breakpoint
INSERT INTO `__new_schoolings`("id", "person_id", "school_id", "level", "class_name", "school_year") SELECT "id", "person_id", "school_id", "level", "class_name", "school_year" FROM `schoolings`;--> statement-breakpoint
DROP TABLE `schoolings`;--> statement-breakpoint
ALTER TABLE `__new_schoolings` RENAME TO `schoolings`;--> statement-breakpoint
CREATE UNIQUE INDEX `schoolings_person_year_uq` ON `schoolings` (`person_id`,`school_year`);--> statement-breakpoint
CREATE TABLE `__new_schools` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`address` text NOT NULL,
	CONSTRAINT "schools_kind_check" CHECK("kind" IN ('maternelle', 'elementaire', 'primaire'))
);
--> statement-breakpoint
INSERT INTO `__new_schools`("id", "name", "kind", "address") SELECT "id", "name", "kind", "address" FROM `schools`;--> statement-breakpoint
DROP TABLE `schools`;--> statement-breakpoint
ALTER TABLE `__new_schools` RENAME TO `schools`;--> statement-breakpoint
CREATE TABLE `__new_units` (
	`id` text PRIMARY KEY NOT NULL,
	`label` text NOT NULL,
	`levels` text NOT NULL,
	`default_capacity` integer NOT NULL,
	CONSTRAINT "units_levels_check" CHECK("levels" IN ('tous', 'maternelle', 'elementaire'))
);
--> statement-breakpoint
INSERT INTO `__new_units`("id", "label", "levels", "default_capacity") SELECT "id", "label", "levels", "default_capacity" FROM `units`;--> statement-breakpoint
DROP TABLE `units`;--> statement-breakpoint
ALTER TABLE `__new_units` RENAME TO `units`;