/** The crew's read API: the share token travels only as Authorization: Bearer. */
import { request } from './http';
import { CrewMe, CrewScriptRes } from './schemas';

export const crewAccess = {
  me: (token: string) => request('/api/crew-access/me', CrewMe, { token }),
  script: (token: string, scriptId: string) =>
    request(`/api/crew-access/scripts/${scriptId}`, CrewScriptRes, { token }),
};
