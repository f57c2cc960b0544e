/**
 * Undo and redo from the values before each op (DESIGN §3): undo is a new op, built by
 * inverseOp against the current view, so it syncs, is logged and can itself be undone.
 * An entry starts with the previous values computed locally (so an edit made offline can be
 * undone at once) and takes the server's when the ack brings them.
 */
import type { Prev } from '@cuebe/protocol';

export interface UndoEntry {
  opId: string;
  prev: Prev;
}

export class UndoStack {
  private undos: UndoEntry[] = [];
  private redos: UndoEntry[] = [];

  constructor(private readonly limit = 200) {}

  get canUndo(): boolean {
    return this.undos.length > 0;
  }

  get canRedo(): boolean {
    return this.redos.length > 0;
  }

  /** A new edit by the user: it can be undone, and what was undone can no longer be redone. */
  edited(entry: UndoEntry): void {
    this.push(this.undos, entry);
    this.redos = [];
  }

  /** An undo op was submitted: redoing means undoing it. */
  undone(entry: UndoEntry): void {
    this.push(this.redos, entry);
  }

  /** A redo op was submitted: it can be undone again. */
  redone(entry: UndoEntry): void {
    this.push(this.undos, entry);
  }

  popUndo(): UndoEntry | undefined {
    return this.undos.pop();
  }

  popRedo(): UndoEntry | undefined {
    return this.redos.pop();
  }

  /** The server's previous values replace the local ones. */
  acked(opId: string, prev: Prev): void {
    for (const e of [...this.undos, ...this.redos]) if (e.opId === opId) e.prev = prev;
  }

  /** A refused op cannot be undone. */
  forget(opId: string): void {
    this.undos = this.undos.filter((e) => e.opId !== opId);
    this.redos = this.redos.filter((e) => e.opId !== opId);
  }

  private push(list: UndoEntry[], entry: UndoEntry): void {
    list.push(entry);
    if (list.length > this.limit) list.shift();
  }
}
