import type { ClientStatus } from '@ddpx/client';
import { useConnection, useStatus } from '@ddpx/react';
import { useEffect, useState } from 'react';

/** Seconds left until `retryTime`, refreshed ten times a second while waiting. */
function useCountdown(status: ClientStatus): number | undefined {
  const [now, setNow] = useState(() => Date.now());
  const waiting = status.status === 'waiting' && status.retryTime !== undefined;
  useEffect(() => {
    if (!waiting) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 100);
    return () => clearInterval(timer);
  }, [waiting]);
  return waiting ? Math.max(0, (status.retryTime! - now) / 1000) : undefined;
}

/** The live status object, the retry countdown and the session. */
export function StatusPanel() {
  const connection = useConnection();
  const status = useStatus();
  const left = useCountdown(status);
  const [resume, setResume] = useState(connection.lastResume);
  useEffect(() => {
    setResume(connection.lastResume);
    return connection.onResume(setResume);
  }, [connection]);
  return (
    <section className="panel status">
      <h2>
        Status{' '}
        <span className={`pill pill-${status.status}`} data-testid="status-name">
          {status.status}
        </span>
      </h2>
      <pre data-testid="status-json">{JSON.stringify(status, null, 2)}</pre>
      <p className="countdown" data-testid="countdown">
        {left === undefined ? (
          status.status === 'connected' ? (
            'connected'
          ) : (
            '—'
          )
        ) : (
          <>
            retry #{status.retryCount + 1} in <strong>{left.toFixed(1)} s</strong>
            <progress max={1} value={Math.max(0, 1 - left / 10)} />
          </>
        )}
      </p>
      <p>
        session <code data-testid="session">{resume?.session ?? '—'}</code> ·{' '}
        <span data-testid="resume">{resume ? `${resume.outcome} (${resume.reason})` : 'no session yet'}</span>
      </p>
    </section>
  );
}
