/** Who made a change or a call: shown to others, kept in the logs. */
import { z } from 'zod';

export const Actor = z.strictObject({
  kind: z.enum(['sm', 'crew', 'system']),
  name: z.string(),
});
export type Actor = z.infer<typeof Actor>;
