CREATE TABLE `agents` (
	`id` text PRIMARY KEY NOT NULL,
	`login` text NOT NULL,
	`display_name` text NOT NULL,
	`initials` text NOT NULL,
	`role` text NOT NULL,
	`password_hash` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `agents_login_unique` ON `agents` (`login`);--> statement-breakpoint
CREATE TABLE `families` (
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
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `families_code_uq` ON `families` (`code`);--> statement-breakpoint
CREATE TABLE `family_members` (
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
	FOREIGN KEY (`person_id`) REFERENCES `persons`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE INDEX `family_members_person_idx` ON `family_members` (`person_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `family_members_uq` ON `family_members` (`family_id`,`person_id`);--> statement-breakpoint
CREATE TABLE `journal` (
	`id` text PRIMARY KEY NOT NULL,
	`at` text NOT NULL,
	`agent_id` text,
	`workstation_id` text NOT NULL,
	`action` text NOT NULL,
	`entity` text,
	`entity_id` text,
	`outcome` text DEFAULT 'ok' NOT NULL,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `journal_at_idx` ON `journal` (`at`);--> statement-breakpoint
CREATE INDEX `journal_entity_idx` ON `journal` (`entity`,`entity_id`);--> statement-breakpoint
CREATE TABLE `login_throttle` (
	`login` text PRIMARY KEY NOT NULL,
	`failures` integer DEFAULT 0 NOT NULL,
	`blocked_until` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `outbox` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`command_id` text NOT NULL,
	`name` text NOT NULL,
	`payload` text NOT NULL,
	`schema_version` integer NOT NULL,
	`agent_id` text,
	`created_at` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`rejection_code` text,
	`rejection_reason` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_command_id_unique` ON `outbox` (`command_id`);--> statement-breakpoint
CREATE INDEX `outbox_status_idx` ON `outbox` (`status`,`seq`);--> statement-breakpoint
CREATE TABLE `persons` (
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
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `schoolings` (
	`id` text PRIMARY KEY NOT NULL,
	`person_id` text NOT NULL,
	`school_id` text NOT NULL,
	`level` text NOT NULL,
	`class_name` text,
	`school_year` text NOT NULL,
	FOREIGN KEY (`person_id`) REFERENCES `persons`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`school_id`) REFERENCES `schools`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `schoolings_person_year_uq` ON `schoolings` (`person_id`,`school_year`);--> statement-breakpoint
CREATE TABLE `schools` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`address` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
