-- +goose Up
-- modify "notifications" table
ALTER TABLE "notifications" ALTER COLUMN "customer_id" SET DEFAULT '', ADD COLUMN "subject_type" character varying NOT NULL DEFAULT 'customer', ADD COLUMN "merchant_id" character varying NOT NULL DEFAULT '';
-- create index "notification_merchant_id_created_at" to table: "notifications"
CREATE INDEX "notification_merchant_id_created_at" ON "notifications" ("merchant_id", "created_at");

-- +goose Down
-- reverse: create index "notification_merchant_id_created_at" to table: "notifications"
DROP INDEX "notification_merchant_id_created_at";
-- reverse: modify "notifications" table
ALTER TABLE "notifications" DROP COLUMN "merchant_id", DROP COLUMN "subject_type", ALTER COLUMN "customer_id" DROP DEFAULT;
