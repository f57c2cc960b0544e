import { describe, expect, it } from 'vitest';
import { ErrorMessage, OUTCOME_UNKNOWN_SINCE, type ServerMessage } from '@cuebe/protocol';
import { forProtocol } from './compat';

describe('messages by client protocol', () => {
  const unknown: ServerMessage = {
    type: 'error',
    code: 'OUTCOME_UNKNOWN',
    message: 'retry with the same key',
    opId: '00000000-0000-4000-8000-000000000001',
    retryable: true,
  };

  it('W3 a client that knows OUTCOME_UNKNOWN gets it as is', () => {
    expect(forProtocol(unknown, OUTCOME_UNKNOWN_SINCE)).toEqual(unknown);
  });

  it('W3 an older client gets INTERNAL (retryable, claims nothing was or was not written), never UNAVAILABLE', () => {
    const old = forProtocol(unknown, OUTCOME_UNKNOWN_SINCE - 1);
    expect(old).toEqual({ ...unknown, code: 'INTERNAL' });
    expect(ErrorMessage.safeParse(old).success).toBe(true);
  });
});
