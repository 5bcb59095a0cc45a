ALTER TABLE "family_members" DROP CONSTRAINT "family_members_family_id_families_id_fk";
--> statement-breakpoint
ALTER TABLE "family_members" DROP CONSTRAINT "family_members_person_id_persons_id_fk";
--> statement-breakpoint
ALTER TABLE "schoolings" DROP CONSTRAINT "schoolings_person_id_persons_id_fk";
--> statement-breakpoint
ALTER TABLE "agents" ALTER COLUMN "created_at" SET DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');--> statement-breakpoint
ALTER TABLE "agents" ALTER COLUMN "updated_at" SET DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');--> statement-breakpoint
ALTER TABLE "families" ALTER COLUMN "created_at" SET DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');--> statement-breakpoint
ALTER TABLE "families" ALTER COLUMN "updated_at" SET DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');--> statement-breakpoint
ALTER TABLE "persons" ALTER COLUMN "created_at" SET DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');--> statement-breakpoint
ALTER TABLE "persons" ALTER COLUMN "updated_at" SET DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');--> statement-breakpoint
ALTER TABLE "family_members" ADD CONSTRAINT "family_members_family_id_families_id_fk" FOREIGN KEY ("family_id") REFERENCES "public"."families"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "family_members" ADD CONSTRAINT "family_members_person_id_persons_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."persons"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "schoolings" ADD CONSTRAINT "schoolings_person_id_persons_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."persons"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_role_check" CHECK ("role" IN ('accueil', 'regisseur', 'responsable'));--> statement-breakpoint
ALTER TABLE "families" ADD CONSTRAINT "families_caisse_check" CHECK ("caisse" IN ('CAF', 'MSA'));--> statement-breakpoint
ALTER TABLE "family_members" ADD CONSTRAINT "family_members_role_check" CHECK ("role" IN ('RL1', 'RL2', 'enfant', 'contact'));--> statement-breakpoint
ALTER TABLE "persons" ADD CONSTRAINT "persons_civility_check" CHECK ("civility" IN ('M.', 'Mme'));--> statement-breakpoint
ALTER TABLE "persons" ADD CONSTRAINT "persons_sex_check" CHECK ("sex" IN ('F', 'M'));--> statement-breakpoint
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_state_check" CHECK ("state" IN ('reserve', 'annule'));--> statement-breakpoint
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_channel_check" CHECK ("channel" IN ('guichet', 'portail'));--> statement-breakpoint
ALTER TABLE "schoolings" ADD CONSTRAINT "schoolings_level_check" CHECK ("level" IN ('TPS', 'PS', 'MS', 'GS', 'CP', 'CE1', 'CE2', 'CM1', 'CM2'));--> statement-breakpoint
ALTER TABLE "schools" ADD CONSTRAINT "schools_kind_check" CHECK ("kind" IN ('maternelle', 'elementaire', 'primaire'));--> statement-breakpoint
ALTER TABLE "units" ADD CONSTRAINT "units_levels_check" CHECK ("levels" IN ('tous', 'maternelle', 'elementaire'));