export { ConnectionError, DDPError } from '@ddpx/protocol';
export type { ClientStatus, ClientStatusValue } from '@ddpx/statecharts';
export { Connection, type MethodCall } from './connection.js';
export { connect, DDP, onReconnect } from './ddp.js';
export {
  attachInspector,
  InspectorLink,
  type InspectorLinkOptions,
  type InspectTarget,
  inspectObserver,
} from './inspectorLink.js';
export { type CollectionChange, type Doc, LocalCollection, type Selector } from './localCollection.js';
export { MemoryServer, MemorySocket } from './memoryTransport.js';
export { Meteor } from './meteor.js';
export type { ApplyOptions } from './methodInvoker.js';
export type { ConnectOptions, Logger } from './options.js';
export { CONNECT_DEFAULTS, consoleLogger } from './options.js';
export type { ReconnectHook } from './reconnectHooks.js';
export type { ResumeResult } from './resume.js';
export type { MethodInvocation, MethodStub } from './simulation.js';
export { SOCKJS_TRANSPORTS, SockJSTransport, sockjsTransport } from './sockjsTransport.js';
export type { BadInputKind, ConnectionStats } from './stats.js';
export type { SubscribeCallbacks, SubscriptionHandle } from './subscriptionTable.js';
export type {
  Transport,
  TransportCloseEvent,
  TransportEventMap,
  TransportFactory,
  TransportListener,
} from './transport.js';
export { toSockjsUrl, toWebsocketUrl, translateUrl, type UrlOptions } from './url.js';
export {
  type WebSocketConstructor,
  type WebSocketLike,
  WebSocketTransport,
  type WebSocketTransportOptions,
  websocketTransport,
} from './websocketTransport.js';
