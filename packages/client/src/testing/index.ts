/** Test helpers shared by the client's and the server's sync tests (not part of the app bundle). */
export { FakeServer, FakeSocket, FakeConnection, type FakeServerOptions } from './fake-server';
export { intentArb, opFor, type Intent, type RandomOpsContext } from './random-ops';
export { cue, sortedElements } from './fixtures';
export { waitFor } from './wait';
