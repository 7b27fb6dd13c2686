import { describe, expect, it } from 'vitest';
import { toSockjsUrl, toWebsocketUrl } from '../src/index.js';

describe('URL translation (§6.2, §9 scenario 36)', () => {
  const root = { rootUrl: 'http://root.example:3000' };
  it.each([
    ['http://h:3000', 'ws://h:3000/websocket', 'http://h:3000/sockjs'],
    ['http://h:3000/', 'ws://h:3000/websocket', 'http://h:3000/sockjs'],
    ['https://h', 'wss://h/websocket', 'https://h/sockjs'],
    ['h.com', 'ws://h.com/websocket', 'http://h.com/sockjs'],
    ['localhost:3000', 'ws://localhost:3000/websocket', 'http://localhost:3000/sockjs'],
    ['/', 'ws://root.example:3000/websocket', 'http://root.example:3000/sockjs'],
    ['ws://h', 'ws://h/websocket', 'http://h/sockjs'],
    ['wss://h/websocket', 'wss://h/websocket', 'https://h/websocket/sockjs'],
    ['ws://h:1/websocket?x=1', 'ws://h:1/websocket?x=1', 'http://h:1/websocket?x=1/sockjs'],
  ])('%s', (input, ws, sockjs) => {
    expect(toWebsocketUrl(input, root)).toBe(ws);
    expect(toSockjsUrl(input, root)).toBe(sockjs);
  });

  it('ddp+sockjs / ddpi+sockjs: random digits, no subpath appended', () => {
    const random = () => 0.42;
    expect(toSockjsUrl('ddp+sockjs://ddp--****-foo.meteor.com/sockjs', { random })).toBe(
      'https://ddp--4444-foo.meteor.com/sockjs',
    );
    expect(toSockjsUrl('ddpi+sockjs://ddp--**-foo.meteor.com/sockjs', { random })).toBe(
      'http://ddp--44-foo.meteor.com/sockjs',
    );
    expect(toWebsocketUrl('ddp+sockjs://a*.x/sockjs', { random })).toBe('wss://a4.x/sockjs');
    expect(toSockjsUrl('ddp+sockjs://ddp--****-foo.meteor.com/sockjs')).toMatch(
      /^https:\/\/ddp--\d{4}-foo\.meteor\.com\/sockjs$/,
    );
  });

  it('misuse throws a TypeError', () => {
    expect(() => toWebsocketUrl('')).toThrow(TypeError);
    expect(() => toWebsocketUrl('/', { rootUrl: '' })).toThrow(TypeError);
  });
});
