import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * Asks a SockJS endpoint's `/info` (what sockjs-client fetches first) why it could not be opened, since
 * sockjs-client reports every such failure as close code 1002. Resolves to a short cause, or `undefined`
 * when `/info` answers as SockJS should (then the failure lies elsewhere). Never rejects.
 */
export function probeSockjs(endpoint: string, timeoutMs = 2000): Promise<string | undefined> {
  const info = `${endpoint.replace(/\/+$/, '')}/info`;
  const url = new URL(info);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      if (status === 200 && /json/.test(String(res.headers['content-type']))) resolve(undefined);
      else
        resolve(
          `GET ${info} answered HTTP ${status}: no SockJS endpoint at this path (ddpx expects …/sockjs)`,
        );
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(`GET ${info} got no answer within ${timeoutMs} ms`);
    });
    req.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'ECONNREFUSED') resolve('connection refused (is the server running on that port?)');
      else if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') resolve('host not found');
      else if (err.code === 'EPROTO' || /ssl|tls/i.test(err.message))
        resolve(
          'TLS handshake failed (https:// and ddp+sockjs:// use TLS; is the server plain http? then use http:// or ddpi+sockjs://)',
        );
      else resolve(`${err.message}${err.code ? ` (${err.code})` : ''}`);
    });
    req.end();
  });
}
