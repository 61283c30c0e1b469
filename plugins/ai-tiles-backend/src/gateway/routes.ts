/** How the gateway treats each OpenAI route it serves. */
export interface GatewayRoute {
  /** Path under `/v1/`, as LiteLLM serves it. */
  path: string;
  method: 'GET' | 'POST';
  /**
   * `json`: read whole (within the body limit), so the Dify `user` can be
   * read and usage asked for; `multipart`: streamed to LiteLLM untouched;
   * `none`: no body.
   */
  body: 'json' | 'multipart' | 'none';
  /** A model call, recorded in the ledger (listing models is not). */
  ledger: boolean;
}

export const GATEWAY_ROUTES: GatewayRoute[] = [
  { path: 'chat/completions', method: 'POST', body: 'json', ledger: true },
  { path: 'completions', method: 'POST', body: 'json', ledger: true },
  { path: 'embeddings', method: 'POST', body: 'json', ledger: true },
  { path: 'images/generations', method: 'POST', body: 'json', ledger: true },
  { path: 'images/edits', method: 'POST', body: 'multipart', ledger: true },
  {
    path: 'images/variations',
    method: 'POST',
    body: 'multipart',
    ledger: true,
  },
  { path: 'audio/speech', method: 'POST', body: 'json', ledger: true },
  {
    path: 'audio/transcriptions',
    method: 'POST',
    body: 'multipart',
    ledger: true,
  },
  {
    path: 'audio/translations',
    method: 'POST',
    body: 'multipart',
    ledger: true,
  },
  { path: 'models', method: 'GET', body: 'none', ledger: false },
];
