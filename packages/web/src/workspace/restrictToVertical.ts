import type { Modifier } from '@dnd-kit/core';

/** Rows move up and down only (the @dnd-kit/modifiers package does the same; one line is not worth a dependency). */
export const restrictToVertical: Modifier = ({ transform }) => ({ ...transform, x: 0 });
