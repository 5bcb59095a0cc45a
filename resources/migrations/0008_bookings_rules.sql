CREATE TABLE `calendar_periods` (
	`id` text PRIMARY KEY NOT NULL,
	`school_year` text NOT NULL,
	`kind` text NOT NULL,
	`label` text NOT NULL,
	`first_day` text NOT NULL,
	`last_day` text NOT NULL,
	`unit_id` text,
	`site_id` text,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`site_id`) REFERENCES `schools`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "calendar_periods_kind_check" CHECK("kind" IN ('school_year', 'holiday', 'public_holiday', 'closure'))
);
--> statement-breakpoint
CREATE INDEX `calendar_periods_year_idx` ON `calendar_periods` (`school_year`,`kind`);--> statement-breakpoint
CREATE TABLE `unit_sites` (
	`id` text PRIMARY KEY NOT NULL,
	`unit_id` text NOT NULL,
	`site_id` text NOT NULL,
	`serves` text NOT NULL,
	`capacity` integer NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`site_id`) REFERENCES `schools`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "unit_sites_serves_check" CHECK("serves" IN ('own_school', 'maternelle', 'elementaire', 'tous'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `unit_sites_unit_site_uq` ON `unit_sites` (`unit_id`,`site_id`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_reservations` (
	`id` text PRIMARY KEY NOT NULL,
	`family_id` text NOT NULL,
	`child_id` text NOT NULL,
	`unit_id` text NOT NULL,
	`site_id` text NOT NULL,
	`date` text NOT NULL,
	`state` text NOT NULL,
	`channel` text NOT NULL,
	`agent_id` text,
	`workstation_id` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`attendance` text,
	`absence_certificate_date` text,
	`attendance_by` text,
	`attendance_at` text,
	`override_reason` text,
	`cancel_override_reason` text,
	`cancelled_at` text,
	FOREIGN KEY (`family_id`) REFERENCES `families`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`child_id`) REFERENCES `persons`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`site_id`) REFERENCES `schools`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "reservations_state_check" CHECK("state" IN ('reserve', 'annule', 'attente', 'sans_reservation')),
	CONSTRAINT "reservations_channel_check" CHECK("channel" IN ('guichet', 'portail')),
	CONSTRAINT "reservations_attendance_check" CHECK("attendance" IN ('present', 'absent_justifie', 'absent_injustifie'))
);
--> statement-breakpoint
INSERT INTO `__new_reservations`("id", "family_id", "child_id", "unit_id", "site_id", "date", "state", "channel", "agent_id", "workstation_id", "created_at", "updated_at") SELECT "id", "family_id", "child_id", "unit_id", "site_id", "date", "state", "channel", "agent_id", "workstation_id", "created_at", "updated_at" FROM `reservations`;--> statement-breakpoint
DROP TABLE `reservations`;--> statement-breakpoint
ALTER TABLE `__new_reservations` RENAME TO `reservations`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `reservations_family_idx` ON `reservations` (`family_id`,`date`);--> statement-breakpoint
CREATE INDEX `reservations_slot_idx` ON `reservations` (`unit_id`,`site_id`,`date`,`state`);--> statement-breakpoint
CREATE INDEX `reservations_child_idx` ON `reservations` (`child_id`,`unit_id`,`date`);--> statement-breakpoint
CREATE TABLE `__new_units` (
	`id` text PRIMARY KEY NOT NULL,
	`label` text NOT NULL,
	`levels` text NOT NULL,
	`default_capacity` integer NOT NULL,
	`calendar` text DEFAULT 'school_days' NOT NULL,
	`booking_rule` text DEFAULT '{"kind":"none"}' NOT NULL,
	`cancel_rule` text DEFAULT '{"kind":"same"}' NOT NULL,
	`sort` integer DEFAULT 0 NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`updated_at` text,
	CONSTRAINT "units_levels_check" CHECK("levels" IN ('tous', 'maternelle', 'elementaire')),
	CONSTRAINT "units_calendar_check" CHECK("calendar" IN ('school_days', 'wednesdays', 'holidays'))
);
--> statement-breakpoint
INSERT INTO `__new_units`("id", "label", "levels", "default_capacity") SELECT "id", "label", "levels", "default_capacity" FROM `units`;--> statement-breakpoint
DROP TABLE `units`;--> statement-breakpoint
ALTER TABLE `__new_units` RENAME TO `units`;
--> statement-breakpoint
-- The town's default services get their calendar, deadlines and order (src/common/demo/units.ts).
UPDATE `units` SET `calendar` = 'school_days', `booking_rule` = '{"kind":"days_before","n":1,"working":true,"at":"18:00"}', `cancel_rule` = '{"kind":"same"}', `sort` = 1 WHERE `id` = 'garderie_matin';--> statement-breakpoint
UPDATE `units` SET `calendar` = 'school_days', `booking_rule` = '{"kind":"days_before","n":2,"working":true,"at":"10:00"}', `cancel_rule` = '{"kind":"weekday_prev_week","weekday":4,"at":"23:59"}', `sort` = 2 WHERE `id` = 'cantine';--> statement-breakpoint
UPDATE `units` SET `calendar` = 'school_days', `booking_rule` = '{"kind":"days_before","n":1,"working":true,"at":"18:00"}', `cancel_rule` = '{"kind":"same"}', `sort` = 3 WHERE `id` = 'etude';--> statement-breakpoint
UPDATE `units` SET `calendar` = 'school_days', `booking_rule` = '{"kind":"days_before","n":0,"working":true,"at":"12:00"}', `cancel_rule` = '{"kind":"same"}', `sort` = 4 WHERE `id` = 'garderie_soir';--> statement-breakpoint
UPDATE `units` SET `calendar` = 'wednesdays', `booking_rule` = '{"kind":"weekday_prev_week","weekday":3,"at":"23:59"}', `cancel_rule` = '{"kind":"same"}', `sort` = 5 WHERE `id` = 'alsh_mercredi';--> statement-breakpoint
UPDATE `units` SET `calendar` = 'holidays', `booking_rule` = '{"kind":"day_prev_month","day":15,"at":"23:59"}', `cancel_rule` = '{"kind":"never"}', `sort` = 6 WHERE `id` = 'alsh_vacances';
