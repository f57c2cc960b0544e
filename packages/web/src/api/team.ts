/** A show's production team (owner only, except the list and leaving): one function per endpoint. */
import { z } from 'zod';
import { Member, Show, type MemberRole } from '@cuebe/protocol';
import { NoContent, request } from './http';

const MembersRes = z.object({ members: z.array(Member) });
const MemberRes = z.object({ member: Member });
const TransferRes = z.object({ show: Show, members: z.array(Member) });

export const team = {
  list: (showId: string) => request(`/api/shows/${showId}/members`, MembersRes),
  invite: (showId: string, email: string, role: MemberRole) =>
    request(`/api/shows/${showId}/members`, MemberRes, { method: 'POST', body: { email, role } }),
  setRole: (showId: string, userId: string, role: MemberRole) =>
    request(`/api/shows/${showId}/members/${userId}`, MemberRes, { method: 'PATCH', body: { role } }),
  remove: (showId: string, userId: string) =>
    request(`/api/shows/${showId}/members/${userId}`, NoContent, { method: 'DELETE' }),
  transfer: (showId: string, userId: string) =>
    request(`/api/shows/${showId}/transfer`, TransferRes, { method: 'POST', body: { userId } }),
};
