import { useEffect, useState } from 'react';
import type { ActorRecord, Step } from '../model.js';
import { ChartView } from './ChartView.js';
import { eventLabel } from './chartGraph.js';

/** Context fields shown first when present (the ddpx charts' facts people look for). */
const KEY_FIELDS = [
  'retryCount',
  'retryTime',
  'session',
  'lastLoss',
  'resume',
  'closeReason',
  'calculatedVersion',
];

/** Re-renders every `ms` while mounted (for countdowns). */
export function useNow(ms = 100): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 1) ?? 'undefined';
}

function payloadOf(event: { type: string; [key: string]: unknown }): string {
  const { type: _type, ...rest } = event;
  return Object.keys(rest).length === 0 ? '' : JSON.stringify(rest);
}

/** Seconds, one decimal. */
export function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

function Timers({ step, live }: { step: Step; live: boolean }) {
  const now = useNow();
  const retryTime = (step.context as { retryTime?: unknown } | undefined)?.retryTime;
  return (
    <section className="panel" data-testid="timers">
      <h3>Timers</h3>
      {step.timers.length === 0 && typeof retryTime !== 'number' && <p className="muted">none running</p>}
      <ul>
        {step.timers.map((t) => (
          <li key={t.id} data-testid="timer" data-timer={t.event}>
            <code title={t.event}>{eventLabel(t.event)}</code> in{' '}
            <strong data-testid="timer-remaining">
              {live ? seconds(t.dueAt - now) : seconds(t.dueAt - step.at)}
            </strong>{' '}
            <span className="muted">of {seconds(t.delay)}</span>
          </li>
        ))}
        {typeof retryTime === 'number' && (
          <li data-testid="retry-countdown">
            retry at {new Date(retryTime).toLocaleTimeString()}: in{' '}
            <strong data-testid="retry-remaining">
              {live ? seconds(retryTime - now) : seconds(retryTime - step.at)}
            </strong>
          </li>
        )}
      </ul>
    </section>
  );
}

function ContextPanel({ context }: { context: unknown }) {
  const c = (context ?? {}) as Record<string, unknown>;
  const keys = KEY_FIELDS.filter((k) => k in c);
  return (
    <section className="panel" data-testid="context">
      <h3>Context</h3>
      {keys.length > 0 && (
        <dl className="facts">
          {keys.map((k) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd data-testid={`context-${k}`}>
                {c[k] === undefined ? '—' : typeof c[k] === 'string' ? c[k] : JSON.stringify(c[k])}
              </dd>
            </div>
          ))}
        </dl>
      )}
      <details>
        <summary>all of it</summary>
        <pre>{json(context)}</pre>
      </details>
    </section>
  );
}

function EventLog({ actor, upTo }: { actor: ActorRecord; upTo: number }) {
  const [filter, setFilter] = useState('');
  const f = filter.toLowerCase();
  const entries = actor.log
    .filter((l) => l.seq <= upTo && (!f || JSON.stringify(l.event).toLowerCase().includes(f)))
    .slice(-200)
    .reverse();
  return (
    <section className="panel log" data-testid="event-log">
      <h3>
        Events ({actor.log.length}){' '}
        <input
          className="log-filter"
          data-testid="event-filter"
          placeholder="filter"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
      </h3>
      <ol>
        {entries.map((l) => (
          <li key={l.seq} data-event={l.event.type}>
            <time>{new Date(l.at).toLocaleTimeString()}</time> <code className="event">{l.event.type}</code>{' '}
            <code className="payload">{payloadOf(l.event)}</code>
          </li>
        ))}
      </ol>
    </section>
  );
}

/**
 * One actor: its chart with the active states, stepping back through past snapshots, the context,
 * the running timers with their countdown, and the event log with payloads.
 */
export function ActorView({ actor }: { actor: ActorRecord }) {
  // null: follow the live snapshot; else the seq of the step shown.
  const [cursor, setCursor] = useState<number | null>(null);
  const steps = actor.steps;
  const index =
    cursor === null
      ? steps.length - 1
      : Math.max(
          0,
          steps.findIndex((s) => s.seq === cursor),
        );
  const step = steps[index];
  // The transition to animate: the last step up to here that changed the state (events that change
  // nothing, such as a late TRANSPORT.CLOSED while offline, leave the arrow of the real change lit).
  let changed = index;
  const same = (a: Step | undefined, b: Step | undefined) =>
    JSON.stringify(a?.value) === JSON.stringify(b?.value);
  while (changed > 0 && same(steps[changed], steps[changed - 1])) changed--;
  const previous = changed > 0 ? steps[changed - 1] : undefined;
  const live = cursor === null;
  const go = (i: number) => {
    const target = steps[Math.min(steps.length - 1, Math.max(0, i))];
    setCursor(!target || i >= steps.length - 1 ? null : target.seq);
  };
  if (!step) return <p className="muted">No snapshot yet.</p>;
  return (
    <div className="actor" data-testid="actor-view" data-actor={actor.key}>
      <div className="actor-head">
        <h2>
          {actor.name} <code data-testid="state-value">{JSON.stringify(step.value)}</code>
          {!actor.live && <span className="badge gone">producer gone</span>}
          {step.status !== 'active' && <span className="badge">{step.status}</span>}
        </h2>
        <div className="stepper">
          <button type="button" data-testid="step-back" onClick={() => go(index - 1)} disabled={index === 0}>
            ◀ back
          </button>
          <input
            type="range"
            min={0}
            max={Math.max(0, steps.length - 1)}
            value={index}
            onChange={(e) => go(Number(e.target.value))}
            aria-label="snapshot"
          />
          <button type="button" data-testid="step-forward" onClick={() => go(index + 1)} disabled={live}>
            forward ▶
          </button>
          <button type="button" data-testid="go-live" onClick={() => setCursor(null)} disabled={live}>
            live
          </button>
          <span data-testid="step-position">
            {index + 1} / {steps.length}
            {live ? ' (live)' : ''}
          </span>
        </div>
        <p className="last-event">
          after <code data-testid="last-event">{step.event.type}</code> at{' '}
          {new Date(step.at).toLocaleTimeString()}
        </p>
      </div>
      <ChartView
        definition={actor.definition}
        value={step.value}
        previous={previous?.value}
        eventType={step.event.type}
      />
      <div className="panels">
        <ContextPanel context={step.context} />
        <Timers step={step} live={live} />
        <EventLog actor={actor} upTo={live ? Number.POSITIVE_INFINITY : step.seq} />
      </div>
    </div>
  );
}
