CREATE TABLE "performances" (
	"id" uuid PRIMARY KEY NOT NULL,
	"script_id" uuid NOT NULL,
	"number" integer NOT NULL,
	"started_server_ms" bigint NOT NULL,
	"ended_server_ms" bigint,
	"called_by" jsonb NOT NULL,
	"notes" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "performances" ADD CONSTRAINT "performances_script_id_scripts_id_fk" FOREIGN KEY ("script_id") REFERENCES "public"."scripts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "performances_number_idx" ON "performances" USING btree ("script_id","number");--> statement-breakpoint
CREATE INDEX "show_events_performance_idx" ON "show_events" USING btree ("performance_id","id");