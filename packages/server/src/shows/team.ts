/**
 * A show's team as rows: the owner first, then members in the order they joined. Shared by the
 * team routes and the show page.
 */
import { asc, eq } from 'drizzle-orm';
import type { Member } from '@cuebe/protocol';
import type { Conn } from '../db/open';
import { showMembers, shows, users } from '../db/schema';

export async function teamOf(db: Conn, showId: string): Promise<Member[]> {
  const [owner] = await db
    .select({ userId: users.id, email: users.email, displayName: users.displayName })
    .from(shows)
    .innerJoin(users, eq(users.id, shows.ownerId))
    .where(eq(shows.id, showId));
  const rows = await db
    .select({
      userId: users.id,
      email: users.email,
      displayName: users.displayName,
      role: showMembers.role,
      createdAt: showMembers.createdAt,
    })
    .from(showMembers)
    .innerJoin(users, eq(users.id, showMembers.userId))
    .where(eq(showMembers.showId, showId))
    .orderBy(asc(showMembers.createdAt), asc(users.email));
  const members: Member[] = rows.map((r) => ({
    userId: r.userId,
    email: r.email,
    displayName: r.displayName,
    role: r.role,
    invitedAt: r.createdAt.toISOString(),
  }));
  return owner ? [{ ...owner, role: 'owner', invitedAt: null }, ...members] : members;
}
