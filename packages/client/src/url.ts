/** Options of {@link translateUrl}. */
export interface UrlOptions {
  /** Where a site-relative URL (`/…`) points: the browser's origin, else `process.env.ROOT_URL`. */
  rootUrl?: string;
  /** Random source for the `*` digits of `ddp+sockjs://` hosts. @default Math.random */
  random?: () => number;
}

function defaultRootUrl(): string | undefined {
  const location = (globalThis as { location?: { origin?: string } }).location;
  if (location?.origin && location.origin !== 'null') return location.origin;
  if (typeof process !== 'undefined') return process.env?.ROOT_URL;
  return undefined;
}

/**
 * Meteor's string rules (socket-stream-client `translateUrl`) mapping a DDP URL onto a transport
 * endpoint: `base` is `ws` for WebSocket or `http` for SockJS, `subPath` `websocket` or `sockjs`.
 * A URL that already ends with `/<subPath>` on the right scheme is used as given (Meteor would double it).
 */
export function translateUrl(
  url: string,
  base: 'ws' | 'http',
  subPath: 'websocket' | 'sockjs',
  options: UrlOptions = {},
): string {
  if (typeof url !== 'string' || url.length === 0) throw new TypeError('url must be a non-empty string');
  if (url.startsWith('/')) {
    const root = options.rootUrl ?? defaultRootUrl();
    if (!root) throw new TypeError(`cannot resolve the relative url '${url}': no ROOT_URL`);
    url = root.replace(/\/+$/, '') + url;
  }
  const ddp = /^ddp(i?)\+sockjs:\/\//.exec(url);
  if (ddp) {
    const after = url.slice(ddp[0].length);
    const scheme = ddp[1] === 'i' ? base : `${base}s`;
    const slash = after.indexOf('/');
    const host = slash === -1 ? after : after.slice(0, slash);
    const rest = slash === -1 ? '' : after.slice(slash);
    const random = options.random ?? Math.random;
    return `${scheme}://${host.replace(/\*/g, () => String(Math.floor(random() * 10)))}${rest}`;
  }
  const http = /^http(s?):\/\//i.exec(url);
  if (http) url = `${base}${http[1]}://${url.slice(http[0].length)}`;
  else if (base === 'http') {
    const ws = /^ws(s?):\/\//i.exec(url);
    if (ws) url = `http${ws[1]}://${url.slice(ws[0].length)}`;
  } else {
    const ws = /^ws(s?):\/\//i.exec(url);
    if (ws && new RegExp(`/${subPath}/?(\\?.*)?$`).test(url)) return url;
  }
  if (!url.includes('://')) url = `${base}://${url}`;
  if (new RegExp(`^${base}s?://[^/]+(/.*)?/${subPath}/?(\\?.*)?$`).test(url)) return url;
  return url.endsWith('/') ? url + subPath : `${url}/${subPath}`;
}

/** The WebSocket endpoint for a DDP URL (`http://h:3000` → `ws://h:3000/websocket`). */
export function toWebsocketUrl(url: string, options?: UrlOptions): string {
  return translateUrl(url, 'ws', 'websocket', options);
}

/** The SockJS endpoint for a DDP URL (`https://h` → `https://h/sockjs`). */
export function toSockjsUrl(url: string, options?: UrlOptions): string {
  return translateUrl(url, 'http', 'sockjs', options);
}
