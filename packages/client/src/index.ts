export { MAX_INTERNAL_ATTEMPTS, SyncClient } from './sync-client';
export type { CloseReason, PingResult, SyncClientOptions, SyncEvents, SyncSnapshot, SyncStatus } from './sync-client';
export { Backoff, type BackoffOptions } from './backoff';
export { MemoryStore, PersistedState, type PendingStore, type PendingOpRecord } from './storage';
export { defaultCreateSocket, type CreateSocket, type WebSocketLike } from './socket';
export { Replica, type PendingOp } from './replica';
export { CommandFailed, type CommandResult, type SyncQualityReport } from './live';
