import { useConnection } from '@ddpx/react';
import { clientConnectionMachine } from '@ddpx/statecharts';
import { useSelector } from '@xstate/react';
import { activeIds, type ChartNode, chartFromMachine, type StateNodeLike } from './chartModel.js';

/** The tree is read once from the machine definition itself: change the machine, the picture follows. */
const chart = chartFromMachine(clientConnectionMachine.root as unknown as StateNodeLike);

function StateBox({ node, active }: { node: ChartNode; active: ReadonlySet<string> }) {
  const isActive = active.has(node.id);
  return (
    <div
      className={`state state-${node.type}${isActive ? ' active' : ''}`}
      data-state={node.id}
      data-active={isActive ? 'true' : 'false'}
    >
      <div className="state-name">
        {node.key}
        {node.type === 'parallel' ? <span className="badge">parallel</span> : null}
      </div>
      {node.transitions.length > 0 && (
        <ul className="transitions">
          {node.transitions.map((t) => (
            <li key={t.label}>
              <span className="event">{t.label}</span> → {t.targets.join(' | ')}
            </li>
          ))}
        </ul>
      )}
      {node.children.length > 0 && (
        <div className={node.type === 'parallel' ? 'regions' : 'children'}>
          {node.children.map((child) => (
            <StateBox key={child.id} node={child} active={active} />
          ))}
        </div>
      )}
    </div>
  );
}

/** The client connection statechart, drawn from `clientConnectionMachine`, current states highlighted. */
export function Statechart() {
  const connection = useConnection();
  const value = useSelector(
    connection.actor,
    (s) => s.value,
    (a, b) => JSON.stringify(a) === JSON.stringify(b),
  );
  const active = activeIds(value);
  return (
    <section className="panel chart" data-testid="chart">
      <h2>
        Connection statechart <code data-testid="state-value">{JSON.stringify(value)}</code>
      </h2>
      <div className="children top">
        {chart.children.map((child) => (
          <StateBox key={child.id} node={child} active={active} />
        ))}
      </div>
    </section>
  );
}
