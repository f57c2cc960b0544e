CREATE TABLE "node_presence" (
	"node_id" text NOT NULL,
	"script_id" uuid NOT NULL,
	"snapshot" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "node_presence_node_id_script_id_pk" PRIMARY KEY("node_id","script_id")
);
--> statement-breakpoint
ALTER TABLE "node_presence" ADD CONSTRAINT "node_presence_script_id_scripts_id_fk" FOREIGN KEY ("script_id") REFERENCES "public"."scripts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "node_presence_script_idx" ON "node_presence" USING btree ("script_id");