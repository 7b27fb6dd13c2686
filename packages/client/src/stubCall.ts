import { encode, type MethodMessage } from '@ddpx/protocol';
import type { DataLayer } from './dataLayer.js';
import { type MethodCall, withParts } from './methodCall.js';
import { type ApplyOptions, MethodInvoker } from './methodInvoker.js';
import type { MethodQueue } from './methodQueue.js';
import type { Logger } from './options.js';
import { type MethodStub, runStub, Simulation } from './simulation.js';

const noop = () => {};

/** What a call that runs a stub (or is made inside one) needs from its connection. */
export interface StubCallHost {
  /** The stub running now, if any. */
  readonly currentSimulation: { value: Simulation | undefined };
  /** `this.userId` / `setUserId` as stubs see them. */
  readonly userAccess: { get(): string | null; set(id: string | null): void };
  readonly data: DataLayer;
  readonly logger: Logger;
  readonly queue: MethodQueue;
  /** Takes the next method id. */
  nextId(): string;
  /** Every invoker's callback: the queue moves on. */
  readonly invokerDone: (invoker: MethodInvoker) => void;
}

/**
 * A call with a stub, or made inside a stub (Meteor's `apply` with a simulation): runs the stub on a
 * copy of the arguments, sends nothing when nested, records the stub's writes until `updated`.
 */
export function applyWithStub<T>(
  host: StubCallHost,
  name: string,
  args: readonly unknown[],
  options: ApplyOptions,
  stub: MethodStub | undefined,
): MethodCall<T> {
  const enclosing = host.currentSimulation.value;
  const sim = stub ? new Simulation(name, enclosing, host.userAccess) : undefined;
  const ran = stub && sim ? runStub(stub, [...args], sim, host.currentSimulation) : undefined;
  const stubPromise = ran
    ? ran.threw
      ? Promise.reject(ran.error)
      : Promise.resolve(ran.value)
    : Promise.resolve();
  stubPromise.catch(noop);
  if (enclosing) return withParts<T>(stubPromise as Promise<T>, stubPromise, stubPromise as Promise<T>);
  if (ran?.threw) {
    if (options.throwStubExceptions) {
      host.data.revertStubWrites(ran.originals);
      const failed = Promise.reject(ran.error) as Promise<T>;
      failed.catch(noop);
      return withParts<T>(Promise.reject(ran.error), stubPromise, failed);
    }
    host.logger.warn(`Exception while simulating the effect of invoking '${name}'`, ran.error);
  }
  const id = host.nextId();
  const message: MethodMessage = { msg: 'method', method: name, params: [...args], id };
  if (ran?.seed !== undefined) message.randomSeed = ran.seed;
  let frame: string;
  try {
    frame = encode(message);
  } catch (err) {
    if (ran) host.data.revertStubWrites(ran.originals);
    const failed = Promise.reject(err) as Promise<T>;
    return withParts<T>(failed, stubPromise, failed);
  }
  if (ran) host.data.recordStubWrites(id, ran.originals);
  const invoker = new MethodInvoker(id, options, frame, host.invokerDone);
  host.queue.add(invoker);
  const serverPromise = invoker.promise as Promise<T>;
  if (options.returnStubValue && ran && !ran.threw) {
    serverPromise.catch(noop);
    return withParts<T>(stubPromise as Promise<T>, stubPromise, serverPromise);
  }
  return withParts<T>(serverPromise, stubPromise, serverPromise);
}
