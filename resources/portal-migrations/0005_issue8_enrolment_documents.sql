CREATE TABLE "document_requirements" (
	"id" text PRIMARY KEY NOT NULL,
	"label" text NOT NULL,
	"per" text NOT NULL,
	"needed_for" text NOT NULL,
	"mandatory" boolean DEFAULT true NOT NULL,
	"sort" integer DEFAULT 0 NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"updated_at" text NOT NULL,
	CONSTRAINT "document_requirements_per_check" CHECK ("per" IN ('family', 'guardian', 'child'))
);
--> statement-breakpoint
CREATE TABLE "document_types" (
	"id" text PRIMARY KEY NOT NULL,
	"label" text NOT NULL,
	"requirement_id" text NOT NULL,
	"rule_kind" text NOT NULL,
	"rule_value" integer,
	"rule_day" text,
	"accepted" boolean DEFAULT true NOT NULL,
	"keep_scan" text NOT NULL,
	"sort" integer DEFAULT 0 NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"updated_at" text NOT NULL,
	CONSTRAINT "document_types_rule_kind_check" CHECK ("rule_kind" IN ('months', 'days', 'school_year', 'until', 'vaccinations', 'none')),
	CONSTRAINT "document_types_keep_scan_check" CHECK ("keep_scan" IN ('optional', 'never'))
);
--> statement-breakpoint
CREATE TABLE "documents" (
	"id" text PRIMARY KEY NOT NULL,
	"family_id" text NOT NULL,
	"person_id" text,
	"requirement_id" text NOT NULL,
	"type_id" text NOT NULL,
	"document_date" text NOT NULL,
	"valid_until" text,
	"status" text NOT NULL,
	"refusal_reason" text,
	"storage" text NOT NULL,
	"scan_sha256" text,
	"scan_mime" text,
	"scan_size" integer,
	"scan_name" text,
	"school_year" text NOT NULL,
	"checked_by" text,
	"checked_at" text NOT NULL,
	"workstation_id" text,
	"created_at" text NOT NULL,
	"updated_at" text NOT NULL,
	CONSTRAINT "documents_status_check" CHECK ("status" IN ('recue', 'validee', 'refusee', 'expiree')),
	CONSTRAINT "documents_storage_check" CHECK ("storage" IN ('scan', 'vu'))
);
--> statement-breakpoint
CREATE TABLE "dossiers" (
	"id" text PRIMARY KEY NOT NULL,
	"family_id" text NOT NULL,
	"school_year" text NOT NULL,
	"status" text NOT NULL,
	"validated_by" text,
	"validated_at" text,
	"created_at" text NOT NULL,
	"updated_at" text NOT NULL,
	CONSTRAINT "dossiers_status_check" CHECK ("status" IN ('incomplet', 'complet', 'valide'))
);
--> statement-breakpoint
CREATE TABLE "inscriptions" (
	"id" text PRIMARY KEY NOT NULL,
	"family_id" text NOT NULL,
	"child_id" text NOT NULL,
	"unit_id" text NOT NULL,
	"site_id" text NOT NULL,
	"school_year" text NOT NULL,
	"status" text NOT NULL,
	"created_at" text NOT NULL,
	"updated_at" text NOT NULL,
	CONSTRAINT "inscriptions_status_check" CHECK ("status" IN ('active', 'terminee'))
);
--> statement-breakpoint
CREATE TABLE "quotients" (
	"id" text PRIMARY KEY NOT NULL,
	"family_id" text NOT NULL,
	"value" integer NOT NULL,
	"source" text NOT NULL,
	"reference_month" text,
	"valid_from" text NOT NULL,
	"annual_income_cents" integer,
	"monthly_benefits_cents" integer,
	"parts_x2" integer,
	"document_id" text,
	"agent_id" text,
	"created_at" text NOT NULL,
	CONSTRAINT "quotients_source_check" CHECK ("source" IN ('caf', 'msa', 'avis_imposition', 'manuel', 'calcul'))
);
--> statement-breakpoint
CREATE TABLE "town_options" (
	"id" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL,
	"updated_at" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "families" DROP CONSTRAINT "families_caisse_check";--> statement-breakpoint
ALTER TABLE "families" ADD COLUMN "resident" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "families" ADD COLUMN "separated_parents" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "families" ADD COLUMN "hosted" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "families" ADD COLUMN "payer_person_id" text;--> statement-breakpoint
ALTER TABLE "families" ADD COLUMN "consent_qf_api" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "families" ADD COLUMN "consent_image" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "families" ADD COLUMN "consent_emergency_care" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "families" ADD COLUMN "merged_into" text;--> statement-breakpoint
ALTER TABLE "families" ADD COLUMN "merged_at" text;--> statement-breakpoint
ALTER TABLE "persons" ADD COLUMN "birth_commune" text;--> statement-breakpoint
ALTER TABLE "persons" ADD COLUMN "birth_country" text;--> statement-breakpoint
ALTER TABLE "persons" ADD COLUMN "address_line1" text;--> statement-breakpoint
ALTER TABLE "persons" ADD COLUMN "address_line2" text;--> statement-breakpoint
ALTER TABLE "persons" ADD COLUMN "postcode" text;--> statement-breakpoint
ALTER TABLE "persons" ADD COLUMN "city" text;--> statement-breakpoint
ALTER TABLE "persons" ADD COLUMN "employer" text;--> statement-breakpoint
ALTER TABLE "persons" ADD COLUMN "pai" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "document_types" ADD CONSTRAINT "document_types_requirement_id_document_requirements_id_fk" FOREIGN KEY ("requirement_id") REFERENCES "public"."document_requirements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "documents" ADD CONSTRAINT "documents_family_id_families_id_fk" FOREIGN KEY ("family_id") REFERENCES "public"."families"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dossiers" ADD CONSTRAINT "dossiers_family_id_families_id_fk" FOREIGN KEY ("family_id") REFERENCES "public"."families"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inscriptions" ADD CONSTRAINT "inscriptions_family_id_families_id_fk" FOREIGN KEY ("family_id") REFERENCES "public"."families"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inscriptions" ADD CONSTRAINT "inscriptions_child_id_persons_id_fk" FOREIGN KEY ("child_id") REFERENCES "public"."persons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inscriptions" ADD CONSTRAINT "inscriptions_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inscriptions" ADD CONSTRAINT "inscriptions_site_id_schools_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."schools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "quotients" ADD CONSTRAINT "quotients_family_id_families_id_fk" FOREIGN KEY ("family_id") REFERENCES "public"."families"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "document_types_requirement_idx" ON "document_types" USING btree ("requirement_id");--> statement-breakpoint
CREATE INDEX "documents_family_idx" ON "documents" USING btree ("family_id","school_year");--> statement-breakpoint
CREATE UNIQUE INDEX "dossiers_family_year_uq" ON "dossiers" USING btree ("family_id","school_year");--> statement-breakpoint
CREATE INDEX "inscriptions_family_idx" ON "inscriptions" USING btree ("family_id","school_year");--> statement-breakpoint
CREATE INDEX "inscriptions_child_idx" ON "inscriptions" USING btree ("child_id","unit_id","school_year");--> statement-breakpoint
CREATE INDEX "quotients_family_idx" ON "quotients" USING btree ("family_id","valid_from");--> statement-breakpoint
ALTER TABLE "families" ADD CONSTRAINT "families_caisse_check" CHECK ("caisse" IN ('CAF', 'MSA', 'autre'));