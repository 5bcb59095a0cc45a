CREATE TABLE `field_history` (
	`id` text PRIMARY KEY NOT NULL,
	`entity` text NOT NULL,
	`entity_id` text NOT NULL,
	`field` text NOT NULL,
	`old_value` text,
	`new_value` text,
	`agent_id` text,
	`workstation_id` text,
	`channel` text NOT NULL,
	`at` text NOT NULL,
	`command_id` text NOT NULL,
	CONSTRAINT "field_history_channel_check" CHECK("channel" IN ('guichet', 'portail'))
);
--> statement-breakpoint
CREATE INDEX `field_history_entity_idx` ON `field_history` (`entity`,`entity_id`,`at`);--> statement-breakpoint
CREATE TABLE `flags` (
	`id` text PRIMARY KEY NOT NULL,
	`command_id` text NOT NULL,
	`command_name` text NOT NULL,
	`workstation_id` text,
	`agent_id` text,
	`family_id` text,
	`kind` text NOT NULL,
	`code` text NOT NULL,
	`reason` text NOT NULL,
	`data` text,
	`at` text NOT NULL,
	`status` text NOT NULL,
	`resolved_by` text,
	`resolved_at` text,
	`resolution_note` text,
	CONSTRAINT "flags_kind_check" CHECK("kind" IN ('rule', 'conflict', 'missing')),
	CONSTRAINT "flags_status_check" CHECK("status" IN ('open', 'resolved'))
);
--> statement-breakpoint
CREATE INDEX `flags_command_idx` ON `flags` (`command_id`);--> statement-breakpoint
CREATE INDEX `flags_status_idx` ON `flags` (`status`,`at`);