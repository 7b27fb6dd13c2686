import { useSyncExternalStore } from 'react';
import type { PageMessage, PageRequest, ProducerInfo } from '../inspectorHub.js';
import { InspectorModel } from '../model.js';

/** What the page draws from: the model, its producers and the hub socket's state. */
export interface StoreState {
  readonly model: InspectorModel;
  readonly producers: ReadonlyMap<string, ProducerInfo>;
  readonly connected: boolean;
  /** Increases on every change (React re-renders on it). */
  readonly version: number;
}

const RENDER_EVERY_MS = 50;

/**
 * The page's connection to its inspector (`/page` on the same origin, with the page's own `?token=`):
 * a replay on opening, then live messages, applied to an {@link InspectorModel}. Renders at most every
 * 50 ms however fast messages come.
 */
class InspectorStore {
  private state: StoreState = {
    model: new InspectorModel(),
    producers: new Map(),
    connected: false,
    version: 0,
  };
  private readonly listeners = new Set<() => void>();
  private socket: WebSocket | undefined;
  private pending: ReturnType<typeof setTimeout> | undefined;
  private producers = new Map<string, ProducerInfo>();
  private model = this.state.model;
  private connected = false;
  private version = 0;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    if (!this.socket) this.open();
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): StoreState => this.state;

  send(request: PageRequest): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(request));
  }

  private open(): void {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/page${location.search}`);
    this.socket = socket;
    socket.onopen = () => {
      this.connected = true;
      this.changed();
    };
    socket.onmessage = (e) => {
      try {
        this.receive(JSON.parse(String(e.data)) as PageMessage);
      } catch (err) {
        console.error('[inspector] bad message', err);
      }
    };
    socket.onclose = () => {
      this.connected = false;
      this.changed();
      setTimeout(() => this.open(), 1000);
    };
  }

  private receive(m: PageMessage): void {
    switch (m.type) {
      case 'replay':
        this.model = new InspectorModel();
        this.producers = new Map(m.producers.map((p) => [p.id, p]));
        for (const item of m.items) this.model.apply(item.producer, item.message, item.at);
        for (const p of m.producers) if (!p.live) this.model.producerGone(p.id);
        break;
      case 'producer':
        this.producers.set(m.producer.id, m.producer);
        if (!m.producer.live) this.model.producerGone(m.producer.id);
        break;
      case 'msg':
        this.model.apply(m.producer, m.message, m.at);
        break;
    }
    this.changed();
  }

  private changed(): void {
    this.version++;
    if (this.pending !== undefined) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.state = {
        model: this.model,
        producers: new Map(this.producers),
        connected: this.connected,
        version: this.version,
      };
      for (const l of this.listeners) l();
    }, RENDER_EVERY_MS);
  }
}

const store = new InspectorStore();

/** The inspector's state, re-rendering on change. */
export function useInspector(): StoreState {
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}

/** Sends a request (a session focus) to the inspector's server. */
export function sendRequest(request: PageRequest): void {
  store.send(request);
}
