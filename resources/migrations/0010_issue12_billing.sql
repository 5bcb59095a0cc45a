CREATE TABLE `cash_days` (
	`id` text PRIMARY KEY NOT NULL,
	`workstation_id` text NOT NULL,
	`day` text NOT NULL,
	`status` text NOT NULL,
	`float_cents` integer NOT NULL,
	`opened_at` text NOT NULL,
	`opened_by` text,
	`closed_at` text,
	`closed_by` text,
	`billetage` text,
	`counted_cents` integer,
	`expected_cash_cents` integer,
	`totals` text,
	`receipts_count` integer,
	`note` text,
	`updated_at` text NOT NULL,
	CONSTRAINT "cash_days_status_check" CHECK("status" IN ('ouverte', 'cloturee'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `cash_days_workstation_day_uq` ON `cash_days` (`workstation_id`,`day`);--> statement-breakpoint
CREATE INDEX `cash_days_day_idx` ON `cash_days` (`day`);--> statement-breakpoint
CREATE TABLE `invoice_lines` (
	`id` text PRIMARY KEY NOT NULL,
	`invoice_id` text NOT NULL,
	`family_id` text NOT NULL,
	`child_id` text,
	`child_name` text,
	`unit_id` text,
	`kind` text NOT NULL,
	`quantity` integer NOT NULL,
	`unit_price_cents` integer NOT NULL,
	`amount_cents` integer NOT NULL,
	`rule` text NOT NULL,
	`dates` text NOT NULL,
	`cesu` integer DEFAULT false NOT NULL,
	`leisure` integer DEFAULT false NOT NULL,
	`sort` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`invoice_id`) REFERENCES `invoices`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "invoice_lines_kind_check" CHECK("kind" IN ('service', 'penalite', 'absence_justifiee', 'regularisation'))
);
--> statement-breakpoint
CREATE INDEX `invoice_lines_invoice_idx` ON `invoice_lines` (`invoice_id`);--> statement-breakpoint
CREATE INDEX `invoice_lines_family_idx` ON `invoice_lines` (`family_id`);--> statement-breakpoint
CREATE TABLE `invoices` (
	`id` text PRIMARY KEY NOT NULL,
	`number` text NOT NULL,
	`kind` text NOT NULL,
	`regie` integer NOT NULL,
	`family_id` text NOT NULL,
	`payer_person_id` text,
	`payer_name` text NOT NULL,
	`payer_address` text NOT NULL,
	`month` text NOT NULL,
	`corrects_invoice_id` text,
	`total_cents` integer NOT NULL,
	`direct_debit` integer DEFAULT false NOT NULL,
	`issued_on` text NOT NULL,
	`due_on` text NOT NULL,
	`debit_on` text,
	`run_key` text,
	`reason` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`family_id`) REFERENCES `families`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "invoices_kind_check" CHECK("kind" IN ('facture', 'avoir'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_number_uq` ON `invoices` (`number`);--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_run_key_uq` ON `invoices` (`run_key`);--> statement-breakpoint
CREATE INDEX `invoices_family_idx` ON `invoices` (`family_id`,`month`);--> statement-breakpoint
CREATE INDEX `invoices_month_idx` ON `invoices` (`month`);--> statement-breakpoint
CREATE TABLE `payment_allocations` (
	`id` text PRIMARY KEY NOT NULL,
	`payment_id` text NOT NULL,
	`invoice_id` text NOT NULL,
	`family_id` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`payment_id`) REFERENCES `payments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`invoice_id`) REFERENCES `invoices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `payment_allocations_payment_idx` ON `payment_allocations` (`payment_id`);--> statement-breakpoint
CREATE INDEX `payment_allocations_invoice_idx` ON `payment_allocations` (`invoice_id`);--> statement-breakpoint
CREATE INDEX `payment_allocations_family_idx` ON `payment_allocations` (`family_id`);--> statement-breakpoint
CREATE TABLE `tariffs` (
	`id` text PRIMARY KEY NOT NULL,
	`unit_id` text NOT NULL,
	`label` text NOT NULL,
	`valid_from` text NOT NULL,
	`valid_to` text,
	`residency` text NOT NULL,
	`kind` text NOT NULL,
	`brackets` text,
	`no_qf_cents` integer,
	`rate_e4` integer,
	`min_cents` integer,
	`max_cents` integer,
	`penalty_cents` integer NOT NULL,
	`incomplete_cents` integer NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "tariffs_residency_check" CHECK("residency" IN ('tous', 'resident', 'non_resident')),
	CONSTRAINT "tariffs_kind_check" CHECK("kind" IN ('tranches', 'taux_effort'))
);
--> statement-breakpoint
CREATE INDEX `tariffs_unit_idx` ON `tariffs` (`unit_id`,`valid_from`);--> statement-breakpoint
ALTER TABLE `families` ADD `direct_debit` integer DEFAULT false NOT NULL;--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_payments` (
	`id` text PRIMARY KEY NOT NULL,
	`family_id` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`method` text NOT NULL,
	`transaction_id` text,
	`paid_at` text NOT NULL,
	`created_at` text NOT NULL,
	`kind` text DEFAULT 'paiement' NOT NULL,
	`receipt_number` text,
	`cash_day_id` text,
	`workstation_id` text,
	`agent_id` text,
	`tendered_cents` integer,
	`change_cents` integer,
	`cheque_bank` text,
	`cheque_number` text,
	`cheque_drawer` text,
	`terminal_ref` text,
	`payment_order_id` text,
	`cancelled_at` text,
	`cancelled_by` text,
	`cancel_reason` text,
	FOREIGN KEY (`family_id`) REFERENCES `families`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "payments_kind_check" CHECK("kind" IN ('paiement', 'remboursement')),
	CONSTRAINT "payments_method_check" CHECK("method" IN ('especes', 'cheque', 'carte', 'cesu', 'cheques_vacances', 'prelevement', 'en_ligne'))
);
--> statement-breakpoint
INSERT INTO `__new_payments`("id", "family_id", "amount_cents", "method", "transaction_id", "paid_at", "created_at") SELECT "id", "family_id", "amount_cents", "method", "transaction_id", "paid_at", "created_at" FROM `payments`;--> statement-breakpoint
DROP TABLE `payments`;--> statement-breakpoint
ALTER TABLE `__new_payments` RENAME TO `payments`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `payments_family_idx` ON `payments` (`family_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `payments_transaction_uq` ON `payments` (`transaction_id`);--> statement-breakpoint
CREATE INDEX `payments_receipt_idx` ON `payments` (`receipt_number`);--> statement-breakpoint
CREATE INDEX `payments_cash_day_idx` ON `payments` (`cash_day_id`);--> statement-breakpoint
ALTER TABLE `units` ADD `childcare` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `units` ADD `leisure` integer DEFAULT false NOT NULL;--> statement-breakpoint
UPDATE `units` SET `childcare` = 1 WHERE `id` IN ('garderie_matin', 'garderie_soir', 'alsh_mercredi', 'alsh_vacances');--> statement-breakpoint
UPDATE `units` SET `leisure` = 1 WHERE `id` IN ('alsh_mercredi', 'alsh_vacances');
