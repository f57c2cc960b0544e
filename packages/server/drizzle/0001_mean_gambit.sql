CREATE TABLE "playback" (
	"script_id" uuid PRIMARY KEY NOT NULL,
	"version" integer NOT NULL,
	"state" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "show_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"script_id" uuid NOT NULL,
	"performance_id" uuid,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"server_ms" bigint NOT NULL,
	"kind" text NOT NULL,
	"actor" jsonb NOT NULL,
	"data" jsonb NOT NULL,
	"version" integer,
	"command_id" uuid
);
--> statement-breakpoint
ALTER TABLE "playback" ADD CONSTRAINT "playback_script_id_scripts_id_fk" FOREIGN KEY ("script_id") REFERENCES "public"."scripts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "show_events" ADD CONSTRAINT "show_events_script_id_scripts_id_fk" FOREIGN KEY ("script_id") REFERENCES "public"."scripts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "show_events_script_idx" ON "show_events" USING btree ("script_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "show_events_command_idx" ON "show_events" USING btree ("script_id","command_id");