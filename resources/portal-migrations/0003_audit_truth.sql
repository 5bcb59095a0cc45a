ALTER TABLE "applied_commands" ADD COLUMN "sent_id" text;--> statement-breakpoint
ALTER TABLE "applied_commands" ADD COLUMN "received_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "applied_commands" ADD COLUMN "at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "applied_commands" ADD COLUMN "agent_id" text;--> statement-breakpoint
UPDATE "applied_commands" SET "sent_id" = "command_id" WHERE "sent_id" IS NULL;