CREATE TABLE "cash_days" (
	"id" text PRIMARY KEY NOT NULL,
	"workstation_id" text NOT NULL,
	"day" text NOT NULL,
	"status" text NOT NULL,
	"float_cents" integer NOT NULL,
	"opened_at" text NOT NULL,
	"opened_by" text,
	"closed_at" text,
	"closed_by" text,
	"billetage" text,
	"counted_cents" integer,
	"expected_cash_cents" integer,
	"totals" text,
	"receipts_count" integer,
	"note" text,
	"updated_at" text NOT NULL,
	CONSTRAINT "cash_days_status_check" CHECK ("status" IN ('ouverte', 'cloturee'))
);
--> statement-breakpoint
CREATE TABLE "invoice_runs" (
	"month" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"cursor" text,
	"families_done" integer DEFAULT 0 NOT NULL,
	"invoices_created" integer DEFAULT 0 NOT NULL,
	"credit_notes_created" integer DEFAULT 0 NOT NULL,
	"total_cents" bigint DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"error" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invoice_lines" (
	"id" text PRIMARY KEY NOT NULL,
	"invoice_id" text NOT NULL,
	"family_id" text NOT NULL,
	"child_id" text,
	"child_name" text,
	"unit_id" text,
	"kind" text NOT NULL,
	"quantity" integer NOT NULL,
	"unit_price_cents" integer NOT NULL,
	"amount_cents" integer NOT NULL,
	"rule" text NOT NULL,
	"dates" text NOT NULL,
	"cesu" boolean DEFAULT false NOT NULL,
	"leisure" boolean DEFAULT false NOT NULL,
	"sort" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "invoice_lines_kind_check" CHECK ("kind" IN ('service', 'penalite', 'absence_justifiee', 'regularisation'))
);
--> statement-breakpoint
CREATE TABLE "invoices" (
	"id" text PRIMARY KEY NOT NULL,
	"number" text NOT NULL,
	"kind" text NOT NULL,
	"regie" integer NOT NULL,
	"family_id" text NOT NULL,
	"payer_person_id" text,
	"payer_name" text NOT NULL,
	"payer_address" text NOT NULL,
	"month" text NOT NULL,
	"corrects_invoice_id" text,
	"total_cents" integer NOT NULL,
	"direct_debit" boolean DEFAULT false NOT NULL,
	"issued_on" text NOT NULL,
	"due_on" text NOT NULL,
	"debit_on" text,
	"run_key" text,
	"reason" text,
	"created_at" text NOT NULL,
	CONSTRAINT "invoices_kind_check" CHECK ("kind" IN ('facture', 'avoir'))
);
--> statement-breakpoint
CREATE TABLE "payment_allocations" (
	"id" text PRIMARY KEY NOT NULL,
	"payment_id" text NOT NULL,
	"invoice_id" text NOT NULL,
	"family_id" text NOT NULL,
	"amount_cents" integer NOT NULL,
	"created_at" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tariffs" (
	"id" text PRIMARY KEY NOT NULL,
	"unit_id" text NOT NULL,
	"label" text NOT NULL,
	"valid_from" text NOT NULL,
	"valid_to" text,
	"residency" text NOT NULL,
	"kind" text NOT NULL,
	"brackets" text,
	"no_qf_cents" integer,
	"rate_e4" integer,
	"min_cents" integer,
	"max_cents" integer,
	"penalty_cents" integer NOT NULL,
	"incomplete_cents" integer NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"updated_at" text NOT NULL,
	CONSTRAINT "tariffs_residency_check" CHECK ("residency" IN ('tous', 'resident', 'non_resident')),
	CONSTRAINT "tariffs_kind_check" CHECK ("kind" IN ('tranches', 'taux_effort'))
);
--> statement-breakpoint
ALTER TABLE "families" ADD COLUMN "direct_debit" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "payment_orders" ADD COLUMN "invoice_id" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "kind" text DEFAULT 'paiement' NOT NULL;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "receipt_number" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "cash_day_id" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "workstation_id" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "agent_id" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "tendered_cents" integer;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "change_cents" integer;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "cheque_bank" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "cheque_number" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "cheque_drawer" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "terminal_ref" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "payment_order_id" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "cancelled_at" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "cancelled_by" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "cancel_reason" text;--> statement-breakpoint
ALTER TABLE "units" ADD COLUMN "childcare" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "units" ADD COLUMN "leisure" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "invoice_lines" ADD CONSTRAINT "invoice_lines_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_family_id_families_id_fk" FOREIGN KEY ("family_id") REFERENCES "public"."families"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_allocations" ADD CONSTRAINT "payment_allocations_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_allocations" ADD CONSTRAINT "payment_allocations_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tariffs" ADD CONSTRAINT "tariffs_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "cash_days_workstation_day_uq" ON "cash_days" USING btree ("workstation_id","day");--> statement-breakpoint
CREATE INDEX "cash_days_day_idx" ON "cash_days" USING btree ("day");--> statement-breakpoint
CREATE INDEX "invoice_lines_invoice_idx" ON "invoice_lines" USING btree ("invoice_id");--> statement-breakpoint
CREATE INDEX "invoice_lines_family_idx" ON "invoice_lines" USING btree ("family_id");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_number_uq" ON "invoices" USING btree ("number");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_run_key_uq" ON "invoices" USING btree ("run_key");--> statement-breakpoint
CREATE INDEX "invoices_family_idx" ON "invoices" USING btree ("family_id","month");--> statement-breakpoint
CREATE INDEX "invoices_month_idx" ON "invoices" USING btree ("month");--> statement-breakpoint
CREATE INDEX "payment_allocations_payment_idx" ON "payment_allocations" USING btree ("payment_id");--> statement-breakpoint
CREATE INDEX "payment_allocations_invoice_idx" ON "payment_allocations" USING btree ("invoice_id");--> statement-breakpoint
CREATE INDEX "payment_allocations_family_idx" ON "payment_allocations" USING btree ("family_id");--> statement-breakpoint
CREATE INDEX "tariffs_unit_idx" ON "tariffs" USING btree ("unit_id","valid_from");--> statement-breakpoint
CREATE INDEX "payments_receipt_idx" ON "payments" USING btree ("receipt_number");--> statement-breakpoint
CREATE INDEX "payments_cash_day_idx" ON "payments" USING btree ("cash_day_id");--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_kind_check" CHECK ("kind" IN ('paiement', 'remboursement'));--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_method_check" CHECK ("method" IN ('especes', 'cheque', 'carte', 'cesu', 'cheques_vacances', 'prelevement', 'en_ligne'));--> statement-breakpoint
UPDATE "units" SET "childcare" = true WHERE "id" IN ('garderie_matin', 'garderie_soir', 'alsh_mercredi', 'alsh_vacances');--> statement-breakpoint
UPDATE "units" SET "leisure" = true WHERE "id" IN ('alsh_mercredi', 'alsh_vacances');
