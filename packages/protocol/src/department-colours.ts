/**
 * Colours of a show's departments (SPEC D1). The six defaults have their own; a department added
 * later without a colour gets the first colour of ADDED_DEPARTMENT_COLOURS that no department of
 * the show has yet, so six added departments get six colours distinct from each other and from
 * the defaults (Stage Management's grey included). Server and SM page use the same function, so
 * the picker shows the colour the server will assign.
 */

/** The defaults of a new show: one colour per department, far apart in hue. */
export const DEFAULT_DEPARTMENT_COLOURS = {
  LX: '#f5b700',
  SND: '#2f80ed',
  FLY: '#9b51e0',
  DECK: '#27ae60',
  VID: '#eb5757',
  SM: '#8d99ae',
} as const;

/**
 * For departments added later, in order: hues between the defaults' (orange, cyan, magenta,
 * lime, indigo, sienna, olive, pink, teal, slate), then the defaults' own tones again.
 */
export const ADDED_DEPARTMENT_COLOURS = [
  '#f2994a',
  '#00bcd4',
  '#d63384',
  '#9ccc65',
  '#3949ab',
  '#a0522d',
  '#827717',
  '#ff80ab',
  '#00897b',
  '#455a64',
] as const;

/** The colour a new department gets when none is given, from the colours the show uses. */
export function nextDepartmentColour(used: Iterable<string>): string {
  const taken = new Set([...used].map((c) => c.toLowerCase()));
  const free = ADDED_DEPARTMENT_COLOURS.find((c) => !taken.has(c));
  if (free) return free;
  // Every colour is taken: go round again in order, so neighbours still differ.
  return ADDED_DEPARTMENT_COLOURS[taken.size % ADDED_DEPARTMENT_COLOURS.length]!;
}
