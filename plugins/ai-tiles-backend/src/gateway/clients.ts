import { hash, timingSafeEqual } from 'node:crypto';
import { IncomingHttpHeaders } from 'node:http';
import { GatewayClient } from './config';

const digest = (token: string) => hash('sha256', token, 'buffer');

/**
 * Recognises the caller by its client token (`Authorization: Bearer …`, as
 * OpenAI clients send their API key). Tokens are compared as SHA-256
 * digests with `timingSafeEqual`, and every configured client is compared,
 * so neither the token nor which client matched leaks through timing.
 */
export class ClientAuthenticator {
  private readonly clients: Array<{ client: GatewayClient; digest: Buffer }>;

  constructor(clients: GatewayClient[]) {
    this.clients = clients.map(client => ({
      client,
      digest: digest(client.token),
    }));
  }

  authenticate(headers: IncomingHttpHeaders): GatewayClient | undefined {
    const header = headers.authorization;
    if (!header) return undefined;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) return undefined;
    const presented = digest(match[1]);
    let found: GatewayClient | undefined;
    for (const { client, digest: expected } of this.clients) {
      if (timingSafeEqual(presented, expected) && !found) found = client;
    }
    return found;
  }
}
