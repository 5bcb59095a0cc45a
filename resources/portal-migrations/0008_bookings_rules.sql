CREATE TABLE "calendar_periods" (
	"id" text PRIMARY KEY NOT NULL,
	"school_year" text NOT NULL,
	"kind" text NOT NULL,
	"label" text NOT NULL,
	"first_day" text NOT NULL,
	"last_day" text NOT NULL,
	"unit_id" text,
	"site_id" text,
	"updated_at" text NOT NULL,
	CONSTRAINT "calendar_periods_kind_check" CHECK ("kind" IN ('school_year', 'holiday', 'public_holiday', 'closure'))
);
--> statement-breakpoint
CREATE TABLE "unit_sites" (
	"id" text PRIMARY KEY NOT NULL,
	"unit_id" text NOT NULL,
	"site_id" text NOT NULL,
	"serves" text NOT NULL,
	"capacity" integer NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"updated_at" text NOT NULL,
	CONSTRAINT "unit_sites_serves_check" CHECK ("serves" IN ('own_school', 'maternelle', 'elementaire', 'tous'))
);
--> statement-breakpoint
ALTER TABLE "reservations" DROP CONSTRAINT "reservations_state_check";--> statement-breakpoint
ALTER TABLE "reservations" ADD COLUMN "attendance" text;--> statement-breakpoint
ALTER TABLE "reservations" ADD COLUMN "absence_certificate_date" text;--> statement-breakpoint
ALTER TABLE "reservations" ADD COLUMN "attendance_by" text;--> statement-breakpoint
ALTER TABLE "reservations" ADD COLUMN "attendance_at" text;--> statement-breakpoint
ALTER TABLE "reservations" ADD COLUMN "override_reason" text;--> statement-breakpoint
ALTER TABLE "reservations" ADD COLUMN "cancel_override_reason" text;--> statement-breakpoint
ALTER TABLE "reservations" ADD COLUMN "cancelled_at" text;--> statement-breakpoint
ALTER TABLE "units" ADD COLUMN "calendar" text DEFAULT 'school_days' NOT NULL;--> statement-breakpoint
ALTER TABLE "units" ADD COLUMN "booking_rule" text DEFAULT '{"kind":"none"}' NOT NULL;--> statement-breakpoint
ALTER TABLE "units" ADD COLUMN "cancel_rule" text DEFAULT '{"kind":"same"}' NOT NULL;--> statement-breakpoint
ALTER TABLE "units" ADD COLUMN "sort" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "units" ADD COLUMN "active" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "units" ADD COLUMN "updated_at" text;--> statement-breakpoint
ALTER TABLE "calendar_periods" ADD CONSTRAINT "calendar_periods_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_periods" ADD CONSTRAINT "calendar_periods_site_id_schools_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."schools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unit_sites" ADD CONSTRAINT "unit_sites_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unit_sites" ADD CONSTRAINT "unit_sites_site_id_schools_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."schools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "calendar_periods_year_idx" ON "calendar_periods" USING btree ("school_year","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "unit_sites_unit_site_uq" ON "unit_sites" USING btree ("unit_id","site_id");--> statement-breakpoint
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_attendance_check" CHECK ("attendance" IN ('present', 'absent_justifie', 'absent_injustifie'));--> statement-breakpoint
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_state_check" CHECK ("state" IN ('reserve', 'annule', 'attente', 'sans_reservation'));--> statement-breakpoint
ALTER TABLE "units" ADD CONSTRAINT "units_calendar_check" CHECK ("calendar" IN ('school_days', 'wednesdays', 'holidays'));
--> statement-breakpoint
-- The town's default services get their calendar, deadlines and order (src/common/demo/units.ts).
UPDATE "units" SET "calendar" = 'school_days', "booking_rule" = '{"kind":"days_before","n":1,"working":true,"at":"18:00"}', "cancel_rule" = '{"kind":"same"}', "sort" = 1 WHERE "id" = 'garderie_matin';--> statement-breakpoint
UPDATE "units" SET "calendar" = 'school_days', "booking_rule" = '{"kind":"days_before","n":2,"working":true,"at":"10:00"}', "cancel_rule" = '{"kind":"weekday_prev_week","weekday":4,"at":"23:59"}', "sort" = 2 WHERE "id" = 'cantine';--> statement-breakpoint
UPDATE "units" SET "calendar" = 'school_days', "booking_rule" = '{"kind":"days_before","n":1,"working":true,"at":"18:00"}', "cancel_rule" = '{"kind":"same"}', "sort" = 3 WHERE "id" = 'etude';--> statement-breakpoint
UPDATE "units" SET "calendar" = 'school_days', "booking_rule" = '{"kind":"days_before","n":0,"working":true,"at":"12:00"}', "cancel_rule" = '{"kind":"same"}', "sort" = 4 WHERE "id" = 'garderie_soir';--> statement-breakpoint
UPDATE "units" SET "calendar" = 'wednesdays', "booking_rule" = '{"kind":"weekday_prev_week","weekday":3,"at":"23:59"}', "cancel_rule" = '{"kind":"same"}', "sort" = 5 WHERE "id" = 'alsh_mercredi';--> statement-breakpoint
UPDATE "units" SET "calendar" = 'holidays', "booking_rule" = '{"kind":"day_prev_month","day":15,"at":"23:59"}', "cancel_rule" = '{"kind":"never"}', "sort" = 6 WHERE "id" = 'alsh_vacances';
