PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_documents` (
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
	`twoddoc_verdict` text,
	`twoddoc_type` text,
	`twoddoc_mismatches` text,
	`school_year` text NOT NULL,
	`checked_by` text,
	`checked_at` text NOT NULL,
	`workstation_id` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`family_id`) REFERENCES `families`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "documents_status_check" CHECK("status" IN ('recue', 'validee', 'refusee', 'expiree')),
	CONSTRAINT "documents_storage_check" CHECK("storage" IN ('scan', 'vu')),
	CONSTRAINT "documents_twoddoc_verdict_check" CHECK("twoddoc_verdict" IN ('valid', 'invalid', 'unknown_issuer'))
);
--> statement-breakpoint
INSERT INTO `__new_documents`("id", "family_id", "person_id", "requirement_id", "type_id", "document_date", "valid_until", "status", "refusal_reason", "storage", "scan_sha256", "scan_mime", "scan_size", "scan_name", "school_year", "checked_by", "checked_at", "workstation_id", "created_at", "updated_at") SELECT "id", "family_id", "person_id", "requirement_id", "type_id", "document_date", "valid_until", "status", "refusal_reason", "storage", "scan_sha256", "scan_mime", "scan_size", "scan_name", "school_year", "checked_by", "checked_at", "workstation_id", "created_at", "updated_at" FROM `documents`;--> statement-breakpoint
DROP TABLE `documents`;--> statement-breakpoint
ALTER TABLE `__new_documents` RENAME TO `documents`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `documents_family_idx` ON `documents` (`family_id`,`school_year`);