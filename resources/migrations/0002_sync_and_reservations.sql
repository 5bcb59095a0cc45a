CREATE TABLE `capacities` (
	`id` text PRIMARY KEY NOT NULL,
	`unit_id` text NOT NULL,
	`site_id` text NOT NULL,
	`date` text,
	`capacity` integer NOT NULL,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`site_id`) REFERENCES `schools`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `capacities_unit_site_idx` ON `capacities` (`unit_id`,`site_id`);--> statement-breakpoint
CREATE TABLE `payments` (
	`id` text PRIMARY KEY NOT NULL,
	`family_id` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`method` text NOT NULL,
	`transaction_id` text,
	`paid_at` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`family_id`) REFERENCES `families`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `payments_family_idx` ON `payments` (`family_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `payments_transaction_uq` ON `payments` (`transaction_id`);--> statement-breakpoint
CREATE TABLE `reservations` (
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
	FOREIGN KEY (`site_id`) REFERENCES `schools`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `reservations_family_idx` ON `reservations` (`family_id`,`date`);--> statement-breakpoint
CREATE INDEX `reservations_slot_idx` ON `reservations` (`unit_id`,`site_id`,`date`,`state`);--> statement-breakpoint
CREATE INDEX `reservations_child_idx` ON `reservations` (`child_id`,`unit_id`,`date`);--> statement-breakpoint
CREATE TABLE `units` (
	`id` text PRIMARY KEY NOT NULL,
	`label` text NOT NULL,
	`levels` text NOT NULL,
	`default_capacity` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `outbox` ADD `resolution` text;--> statement-breakpoint
ALTER TABLE `outbox` ADD `resolution_reason` text;--> statement-breakpoint
ALTER TABLE `outbox` ADD `resolved_by` text;--> statement-breakpoint
ALTER TABLE `outbox` ADD `resolved_at` text;--> statement-breakpoint
ALTER TABLE `outbox` ADD `sent_at` text;