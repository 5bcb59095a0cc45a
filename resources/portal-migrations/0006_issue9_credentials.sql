CREATE TABLE "credential_issues" (
	"id" text PRIMARY KEY NOT NULL,
	"family_id" text NOT NULL,
	"kind" text NOT NULL,
	"issued_at" text NOT NULL,
	"expires_at" text NOT NULL,
	"agent_id" text,
	"workstation_id" text,
	"superseded_by" text,
	"updated_at" text NOT NULL,
	CONSTRAINT "credential_issues_kind_check" CHECK ("kind" IN ('first', 'reset'))
);
--> statement-breakpoint
ALTER TABLE "credential_issues" ADD CONSTRAINT "credential_issues_family_id_families_id_fk" FOREIGN KEY ("family_id") REFERENCES "public"."families"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "credential_issues_family_idx" ON "credential_issues" USING btree ("family_id","issued_at");