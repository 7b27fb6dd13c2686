/** A method call's promise, with the stub's and the server's outcomes apart. */
export type MethodCall<T = unknown> = Promise<T> & {
  /** The stub's return value (undefined when there is no stub). */
  readonly stubPromise: Promise<unknown>;
  /** The server's result. */
  readonly serverPromise: Promise<T>;
};

/** Attaches the stub's and the server's promises to the main one. */
export function withParts<T>(
  main: Promise<T>,
  stubPromise: Promise<unknown>,
  serverPromise: Promise<T>,
): MethodCall<T> {
  // Plain stores, not Object.assign: no temporary object per call.
  const call = main as Promise<T> & { stubPromise?: Promise<unknown>; serverPromise?: Promise<T> };
  call.stubPromise = stubPromise;
  call.serverPromise = serverPromise;
  return call as MethodCall<T>;
}
