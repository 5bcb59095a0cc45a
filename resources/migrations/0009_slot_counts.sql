CREATE TABLE `slot_counts` (
	`unit_id` text NOT NULL,
	`site_id` text NOT NULL,
	`date` text NOT NULL,
	`booked` integer NOT NULL,
	PRIMARY KEY(`unit_id`, `site_id`, `date`)
);
--> statement-breakpoint
-- Kept by these triggers only (the store writes reservations with INSERT … ON CONFLICT DO UPDATE and DELETE).
CREATE TRIGGER `slot_counts_insert` AFTER INSERT ON `reservations` WHEN NEW.`state` = 'reserve' BEGIN
  INSERT INTO `slot_counts` (`unit_id`, `site_id`, `date`, `booked`) VALUES (NEW.`unit_id`, NEW.`site_id`, NEW.`date`, 1)
    ON CONFLICT (`unit_id`, `site_id`, `date`) DO UPDATE SET `booked` = `booked` + 1;
END;--> statement-breakpoint
CREATE TRIGGER `slot_counts_delete` AFTER DELETE ON `reservations` WHEN OLD.`state` = 'reserve' BEGIN
  UPDATE `slot_counts` SET `booked` = `booked` - 1 WHERE `unit_id` = OLD.`unit_id` AND `site_id` = OLD.`site_id` AND `date` = OLD.`date`;
END;--> statement-breakpoint
CREATE TRIGGER `slot_counts_update_old` AFTER UPDATE OF `state`, `unit_id`, `site_id`, `date` ON `reservations` WHEN OLD.`state` = 'reserve' BEGIN
  UPDATE `slot_counts` SET `booked` = `booked` - 1 WHERE `unit_id` = OLD.`unit_id` AND `site_id` = OLD.`site_id` AND `date` = OLD.`date`;
END;--> statement-breakpoint
CREATE TRIGGER `slot_counts_update_new` AFTER UPDATE OF `state`, `unit_id`, `site_id`, `date` ON `reservations` WHEN NEW.`state` = 'reserve' BEGIN
  INSERT INTO `slot_counts` (`unit_id`, `site_id`, `date`, `booked`) VALUES (NEW.`unit_id`, NEW.`site_id`, NEW.`date`, 1)
    ON CONFLICT (`unit_id`, `site_id`, `date`) DO UPDATE SET `booked` = `booked` + 1;
END;--> statement-breakpoint
INSERT INTO `slot_counts` (`unit_id`, `site_id`, `date`, `booked`)
  SELECT `unit_id`, `site_id`, `date`, COUNT(*) FROM `reservations` WHERE `state` = 'reserve' GROUP BY `unit_id`, `site_id`, `date`;
--> statement-breakpoint
-- « En attente d'envoi » marks: the pending commands naming a booking, found by the booking's id (not by reading every pending payload).
CREATE INDEX `outbox_pending_payload_id_idx` ON `outbox` (json_extract(`payload`, '$.id')) WHERE `status` = 'pending';
