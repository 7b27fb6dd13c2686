import type { WireError } from '@ddpx/protocol';
import type { ConnectionHandle } from './connectionHandle.js';
import { rateLimitRefusal } from './rateLimiter.js';
import type { SessionHost } from './sessionHost.js';
import type { MethodClaim } from './store.js';
import type { Connection, MethodHandler, PublicationHandler } from './types.js';

/**
 * What a session's parts (its method calls and subscriptions) ask of the server through it: the
 * handlers, the rate limiter, error reports and a shared store's bookkeeping. The base of `Session`,
 * which adds the socket, the writes and the chart's effects.
 */
export abstract class SessionServices {
  protected constructor(protected readonly host: SessionHost) {}

  /** The session id. */
  abstract get id(): string;
  /** The public connection handle. */
  abstract get connection(): ConnectionHandle;
  /** The user the session's methods set (`null`: logged out). */
  abstract userId: string | null;

  /** The method handler registered under `name`. */
  method(name: string): MethodHandler | undefined {
    return this.host.method(name);
  }
  /** The publication registered under `name`. */
  publication(name: string): PublicationHandler | undefined {
    return this.host.publication(name);
  }
  /** The publications every session gets without subscribing. */
  universalPublications(): readonly PublicationHandler[] {
    return this.host.universalPublications();
  }
  /** Reports an error thrown by app code or an effect, with this session's connection. */
  reportError(error: unknown, context: string): void {
    this.host.reportError(error, context, this.connection as Connection);
  }
  /** Claims a method id cluster-wide (a shared store only; `undefined` without one). */
  claimMethod(methodId: string): Promise<MethodClaim> | undefined {
    return this.host.link?.claim(this.id, methodId);
  }
  /** Records a method's answer frames in the shared store (not awaited). */
  methodAnswered(methodId: string, frames: readonly string[]): void {
    this.host.link?.answered(this.id, methodId, frames);
  }
  /** Releases a claim whose method will not run here. */
  methodUnclaimed(methodId: string): void {
    this.host.link?.unclaim(this.id, methodId);
  }
  /** Records a subscription starting (`live`) or stopping in the shared store. */
  noteSubscription(item: { id: string; name?: string; params?: unknown[] }, live: boolean): void {
    this.host.link?.noteSubscription(this.id, item, live);
  }
  /** The `too-many-requests` error when `server.rateLimiter` refuses this call, else `undefined`. */
  rateLimited(type: 'method' | 'subscription', name: string): WireError | undefined {
    const { userId, id: connectionId } = this;
    const input = { type, name, userId, connectionId, clientAddress: this.connection.clientAddress };
    return this.host.rateLimiter.ruleCount === 0 ? undefined : rateLimitRefusal(this.host.rateLimiter, input);
  }
}
