/** Parse at the boundary: every body, param and query goes through a schema, never a cast. */
import { z, type ZodType } from 'zod';
import { fromZod } from '../errors';

export function parse<T extends ZodType>(schema: T, data: unknown, prefix = ''): z.output<T> {
  const r = schema.safeParse(data ?? {});
  if (!r.success) throw fromZod(r.error, prefix);
  return r.data;
}

export function IdParam<K extends string>(name: K) {
  // A computed key widens to string in TypeScript; the shape is exactly { [name]: uuid }.
  const shape = { [name]: z.uuid(`${name} must be a UUID`) } as { [P in K]: ReturnType<typeof z.uuid> };
  return z.object(shape);
}
