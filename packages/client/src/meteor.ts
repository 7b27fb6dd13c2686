import type { ClientStatus } from '@ddpx/statecharts';
import type { Connection, MethodCall } from './connection.js';
import { connect } from './ddp.js';
import type { ApplyOptions } from './methodInvoker.js';
import type { MethodStub } from './simulation.js';
import type { SubscriptionHandle } from './subscriptionTable.js';

/** The default connection's URL when none was set: `DDP_DEFAULT_CONNECTION_URL`, else '/'. */
function defaultUrl(): string {
  const env = typeof process !== 'undefined' ? process.env?.DDP_DEFAULT_CONNECTION_URL : undefined;
  return env ?? '/';
}

let defaultConnection: Connection | undefined;

/**
 * A Meteor-style facade over a default connection, so Meteor code ports with few changes:
 * `Meteor.status/reconnect/disconnect/call/callAsync/apply/applyAsync/subscribe/methods`.
 * Set `Meteor.connection` first, or the first use connects to `DDP_DEFAULT_CONNECTION_URL` (else '/').
 */
export const Meteor = {
  /** The default connection (created on first use). */
  get connection(): Connection {
    if (!defaultConnection) defaultConnection = connect(defaultUrl());
    return defaultConnection;
  },
  set connection(connection: Connection) {
    defaultConnection = connection;
  },
  /** `Meteor.status()`. */
  status(): ClientStatus {
    return Meteor.connection.status();
  },
  /** `Meteor.reconnect()`. */
  reconnect(options?: { url?: string }): void {
    Meteor.connection.reconnect(options);
  },
  /** `Meteor.disconnect()`. */
  disconnect(): void {
    Meteor.connection.disconnect();
  },
  /** `Meteor.call(name, ...args)` (a trailing callback is supported). */
  call<T = unknown>(name: string, ...args: unknown[]): MethodCall<T> {
    return Meteor.connection.call<T>(name, ...args);
  },
  /** `Meteor.callAsync(name, ...args)`. */
  callAsync<T = unknown>(name: string, ...args: unknown[]): MethodCall<T> {
    return Meteor.connection.apply<T>(name, args);
  },
  /** `Meteor.apply(name, args, options)`. */
  apply<T = unknown>(name: string, args?: readonly unknown[], options?: ApplyOptions): MethodCall<T> {
    return Meteor.connection.apply<T>(name, args, options);
  },
  /** `Meteor.applyAsync(name, args, options)`. */
  applyAsync<T = unknown>(name: string, args?: readonly unknown[], options?: ApplyOptions): MethodCall<T> {
    return Meteor.connection.apply<T>(name, args, options);
  },
  /** `Meteor.subscribe(name, ...args, callbacks?)`. */
  subscribe(name: string, ...args: unknown[]): SubscriptionHandle {
    return Meteor.connection.subscribe(name, ...args);
  },
  /** `Meteor.methods({ name: stub })`: client stubs on the default connection. */
  methods(stubs: Record<string, MethodStub>): void {
    Meteor.connection.methods(stubs);
  },
};
