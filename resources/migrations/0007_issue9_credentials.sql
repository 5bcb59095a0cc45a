CREATE TABLE `credential_issues` (
	`id` text PRIMARY KEY NOT NULL,
	`family_id` text NOT NULL,
	`kind` text NOT NULL,
	`issued_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`agent_id` text,
	`workstation_id` text,
	`superseded_by` text,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`family_id`) REFERENCES `families`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "credential_issues_kind_check" CHECK("kind" IN ('first', 'reset'))
);
--> statement-breakpoint
CREATE INDEX `credential_issues_family_idx` ON `credential_issues` (`family_id`,`issued_at`);