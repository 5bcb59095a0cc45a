CREATE TABLE "leases" (
	"name" text PRIMARY KEY NOT NULL,
	"holder" text,
	"until" timestamp with time zone DEFAULT '-infinity' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "snapshot_chunks" (
	"seq" bigint NOT NULL,
	"n" integer NOT NULL,
	"data" "bytea" NOT NULL,
	CONSTRAINT "snapshot_chunks_pk" PRIMARY KEY("seq","n")
);
--> statement-breakpoint
CREATE TABLE "snapshots" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"bytes" bigint NOT NULL,
	"sha256" text NOT NULL,
	"rows" bigint NOT NULL,
	"schema_version" integer NOT NULL,
	"built_at" timestamp with time zone DEFAULT now() NOT NULL,
	"complete" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
ALTER TABLE "workstations" ADD COLUMN "pull_cursor" bigint;--> statement-breakpoint
ALTER TABLE "workstations" ADD COLUMN "pulled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "snapshot_chunks" ADD CONSTRAINT "snapshot_chunks_seq_snapshots_seq_fk" FOREIGN KEY ("seq") REFERENCES "public"."snapshots"("seq") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "changes_record_idx" ON "changes" USING btree ("entity","entity_id","seq");--> statement-breakpoint
-- Pulls depend on every value of the change-log sequence being taken under the append lock, in order: no per-session cache (checked at start, src/portal/db/client.ts).
ALTER SEQUENCE "changes_seq_seq" CACHE 1;--> statement-breakpoint
-- Snapshot chunks are SQLite pages: stored as they are, not compressed again.
ALTER TABLE "snapshot_chunks" ALTER COLUMN "data" SET STORAGE EXTERNAL;--> statement-breakpoint
INSERT INTO "leases" ("name") VALUES ('snapshot_builder'), ('compaction') ON CONFLICT DO NOTHING;
