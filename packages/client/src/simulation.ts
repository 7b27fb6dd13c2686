import { RandomStream, randomSeed } from '@ddpx/protocol';
import type { Doc, WriteGuard } from './localCollection.js';

/** `this` inside a client method stub (Meteor's simulation invocation). */
export interface MethodInvocation {
  /** Always true on the client: the stub is a simulation of the server method. */
  readonly isSimulation: true;
  /** The method's name. */
  readonly name: string;
  /** The current user id as the client knows it. */
  readonly userId: string | null;
  /** Sets the user id seen by later stubs. */
  setUserId(userId: string | null): void;
  /** The seed shared with the server (calling it makes the call send `randomSeed`). */
  randomSeed(): string;
  /** Meteor's named random streams, seeded with {@link randomSeed}: ids match the server's. */
  randomStream(): RandomStream;
}

/** A client stub registered with `methods({ name: stub })`. */
export type MethodStub = (this: MethodInvocation, ...args: unknown[]) => unknown;

/** What running a stub produced. */
export interface SimulationResult {
  /** The stub returned this (a promise is kept as it is). */
  value?: unknown;
  /** The stub threw this. */
  error?: unknown;
  threw: boolean;
  /** Original versions of every document the stub wrote, by collection then id. */
  originals: Map<string, Map<string, Doc | undefined>>;
  /** The seed, only when the stub used randomness. */
  seed: string | undefined;
}

/** One running simulation: the invocation and the write guard local collections consult. */
export class Simulation implements WriteGuard {
  readonly originals = new Map<string, Map<string, Doc | undefined>>();
  private seed: string | undefined;
  private stream: RandomStream | undefined;
  readonly invocation: MethodInvocation;

  constructor(
    name: string,
    enclosing: Simulation | undefined,
    user: { get(): string | null; set(id: string | null): void },
  ) {
    this.seedSource = () => enclosing?.randomStream().hexString(`/rpc/${name}`, 20) ?? randomSeed();
    this.invocation = {
      isSimulation: true,
      name,
      get userId() {
        return user.get();
      },
      setUserId: (id) => user.set(id),
      randomSeed: () => this.useSeed(),
      randomStream: () => this.randomStream(),
    };
  }

  private readonly seedSource: () => string;

  /** The seed, created on first use. */
  useSeed(): string {
    if (this.seed === undefined) this.seed = this.seedSource();
    return this.seed;
  }

  /** The random streams, seeded on first use. */
  randomStream(): RandomStream {
    if (!this.stream) this.stream = new RandomStream(this.useSeed());
    return this.stream;
  }

  /** The seed if the stub used randomness. */
  get usedSeed(): string | undefined {
    return this.seed;
  }

  /** Records a document's original before the stub's first write to it. */
  record(collection: string, id: string, original: Doc | undefined): void {
    let docs = this.originals.get(collection);
    if (!docs) {
      docs = new Map();
      this.originals.set(collection, docs);
    }
    if (!docs.has(id)) docs.set(id, original);
  }

  /** A new id from the named random stream. */
  id(stream: string): string {
    return this.randomStream().id(stream);
  }
}

/** Runs `stub` as a simulation, with `current` pointing at it for the duration of the synchronous call. */
export function runStub(
  stub: MethodStub,
  args: unknown[],
  simulation: Simulation,
  current: { value: Simulation | undefined },
): SimulationResult {
  const previous = current.value;
  current.value = simulation;
  let value: unknown;
  let error: unknown;
  let threw = false;
  try {
    value = stub.apply(simulation.invocation, args);
  } catch (err) {
    error = err;
    threw = true;
  } finally {
    current.value = previous;
  }
  return { value, error, threw, originals: simulation.originals, seed: simulation.usedSeed };
}
