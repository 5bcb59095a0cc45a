ALTER TABLE "documents" ADD COLUMN "twoddoc_verdict" text;--> statement-breakpoint
ALTER TABLE "documents" ADD COLUMN "twoddoc_type" text;--> statement-breakpoint
ALTER TABLE "documents" ADD COLUMN "twoddoc_mismatches" text;--> statement-breakpoint
ALTER TABLE "documents" ADD CONSTRAINT "documents_twoddoc_verdict_check" CHECK ("twoddoc_verdict" IN ('valid', 'invalid', 'unknown_issuer'));