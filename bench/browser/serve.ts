/**
 * A page server on 127.0.0.1 (IndexedDB needs a real origin): `/` loads `/app.js`, the bundled page script. The page
 * is cross-origin isolated (COOP and COEP headers), which gives `performance.now()` 5 µs steps instead of 100 µs:
 * raw reads take a few tenths of a millisecond.
 * @module
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PageServer {
  origin: string;
  close(): Promise<void>;
}

export function serve(script: string): Promise<PageServer> {
  const html = '<!doctype html><meta charset="utf-8"><title>bench:browser</title><script type="module" src="/app.js"></script>';
  const isolated = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/') res.writeHead(200, { ...isolated, 'Content-Type': 'text/html; charset=utf-8' }).end(html);
    else if (path === '/app.js') res.writeHead(200, { ...isolated, 'Content-Type': 'text/javascript; charset=utf-8' }).end(script);
    else res.writeHead(path === '/favicon.ico' ? 204 : 404).end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve({
        origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      }),
    );
  });
}
