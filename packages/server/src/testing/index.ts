/** Test helpers that need the server's own knowledge, shared by its tests and the chaos suite. */
export { commitReplyProxy, type CommitReplyProxy } from './commit-reply-proxy';
