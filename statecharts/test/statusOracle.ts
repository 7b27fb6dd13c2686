import { backoff } from '../src/backoff.js';
import type { ClientStatus, SessionPhase } from '../src/index.js';
import type { ConnectionTestEvent } from '../src/testPaths.js';

/**
 * An independent, imperative model of Meteor's status rules (ddp-behaviour §2 and §3), written the
 * way Meteor's stream code is written rather than as a chart. The path tests compare the machine
 * against it, so a mutated transition disagrees with the spec even though the paths come from the
 * (mutated) machine itself.
 */
export class StatusOracle {
  status: ClientStatus['status'] = 'connecting';
  connected = false;
  retryCount = 0;
  retryTime: number | undefined;
  reason: string | undefined;
  permanent = false;
  // DDP-level facts the oracle needs for heartbeats and negotiation.
  ddpConnected = false;
  heartbeatOn = false;
  inbound = false;
  pinging = false;
  suggestion: string | undefined;
  session: string | undefined;
  /** The DDP session phase (`sessionPhase`): what the last `connected` meant for the stores. */
  phase: SessionPhase = 'none';
  /** A new session's store reset has not reached quiescence yet (it survives a lost transport). */
  quiescencePending = false;
  /** What the oracle expects the client to have put on the wire at this step. */
  expectPing = false;

  constructor(
    private readonly opts: {
      retry: boolean;
      autoConnect: boolean;
      supported: readonly string[];
      heartbeatInterval: number;
      random: () => number;
      now: () => number;
    },
  ) {
    if (!opts.autoConnect) this.status = 'offline';
  }

  snapshot(): ClientStatus {
    return {
      status: this.status,
      connected: this.connected,
      retryCount: this.retryCount,
      ...(this.status === 'waiting' && this.retryTime !== undefined ? { retryTime: this.retryTime } : {}),
      ...(this.status === 'failed' && this.reason !== undefined ? { reason: this.reason } : {}),
    };
  }

  private stopHeartbeat() {
    this.phase = 'none';
    this.heartbeatOn = false;
    this.pinging = false;
    this.inbound = false;
    this.ddpConnected = false;
  }

  private lost(forced: boolean) {
    this.stopHeartbeat();
    this.connected = false;
    if (this.opts.retry || forced) {
      this.status = 'waiting';
      this.retryTime = this.opts.now() + backoff(this.retryCount, {}, this.opts.random);
    } else {
      this.status = 'failed';
      this.retryTime = undefined;
    }
  }

  private retryNow() {
    // Meteor: clear the timer, retryCount -= 1, then "retry now" (+= 1): net unchanged.
    this.status = 'connecting';
    this.retryTime = undefined;
  }

  private probe() {
    if (this.status === 'connected' && this.heartbeatOn && !this.pinging) {
      this.pinging = true;
      this.expectPing = true;
    }
  }

  apply(e: ConnectionTestEvent): void {
    this.expectPing = false;
    const s = this.status;
    if (this.permanent) return;
    switch (e.type) {
      case 'TRANSPORT.OPEN':
        if (s !== 'connecting') return;
        this.status = 'connected';
        this.connected = true;
        this.retryCount = 0;
        this.suggestion = this.suggestion ?? this.opts.supported[0];
        this.phase = 'awaiting-connected';
        return;
      case 'TRANSPORT.CLOSED':
      case 'TRANSPORT.ERROR':
        if (s === 'connecting' || s === 'connected') this.lost(false);
        return;
      case 'TIMER':
        if (e.delay === 'backoff' && s === 'waiting') {
          this.retryCount += 1;
          this.retryNow();
        } else if (
          e.delay === 'connectTimeout' &&
          (s === 'connecting' || (s === 'connected' && !this.ddpConnected))
        ) {
          this.lost(false);
        } else if (e.delay === 'heartbeatInterval' && this.heartbeatOn && !this.pinging) {
          if (this.inbound) this.inbound = false;
          else this.probe();
        } else if (e.delay === 'heartbeatTimeout' && this.pinging) {
          this.lost(false);
        }
        return;
      case 'DDP.ACTIVITY':
        if (this.pinging) {
          this.pinging = false;
          this.inbound = false;
        } else if (this.heartbeatOn) this.inbound = true;
        return;
      case 'DDP.CONNECTED':
        if (s !== 'connected' || this.ddpConnected) return;
        this.ddpConnected = true;
        // Meteor §4.3: the first session starts clean; the same id keeps everything (and an unfinished
        // reset keeps waiting); a new id resets the stores once quiescent.
        if (this.session === undefined) this.phase = 'live';
        else if (e.session === this.session) this.phase = this.quiescencePending ? 'quiescing' : 'resumed';
        else {
          this.phase = 'quiescing';
          this.quiescencePending = true;
        }
        this.session = e.session;
        this.heartbeatOn = this.opts.heartbeatInterval > 0 && this.suggestion !== 'pre1';
        return;
      case 'DDP.FAILED':
        if (s !== 'connected' || this.ddpConnected) return;
        if (this.opts.supported.includes(e.version)) {
          this.suggestion = e.version;
          this.lost(true);
        } else {
          this.stopHeartbeat();
          this.status = 'failed';
          this.connected = false;
          this.retryCount = 0;
          this.reason = `DDP version negotiation failed; server requested version ${e.version}`;
          this.permanent = true;
        }
        return;
      case 'RECONNECT':
        if (s === 'connected') {
          if (e.force || e.url !== undefined) this.lost(true);
        } else if (s !== 'connecting') this.retryNow();
        return;
      case 'DISCONNECT':
        this.stopHeartbeat();
        this.status = 'offline';
        this.connected = false;
        this.retryCount = 0;
        this.retryTime = undefined;
        return;
      case 'CLOSE':
        this.stopHeartbeat();
        this.status = 'failed';
        this.connected = false;
        this.retryCount = 0;
        this.retryTime = undefined;
        this.permanent = true;
        return;
      case 'QUIESCENCE.REACHED':
        this.quiescencePending = false;
        if (this.phase === 'quiescing') this.phase = 'live';
        return;
      case 'NETWORK.ONLINE':
        if (s === 'waiting' || s === 'failed') this.retryNow();
        return;
      case 'NETWORK.OFFLINE':
        this.probe();
        return;
      case 'PAGE.VISIBLE':
        if (s === 'waiting') this.retryNow();
        else this.probe();
        return;
      default:
        return;
    }
  }
}
