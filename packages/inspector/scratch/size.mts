import { clientConnectionMachine, serverSessionMachine } from '@ddpx/statecharts';
import ELKm from 'elkjs/lib/elk.bundled.js';
import { chartFromDefinition, elkGraph } from '../src/page/chartGraph.ts';
const ELK = ELKm as any;
for (const m of [clientConnectionMachine, serverSessionMachine]) {
  const def = JSON.stringify(m.config, (k, v) => typeof v === 'function' ? { type: v.name } : v);
  const chart = chartFromDefinition(def)!;
  for (const variant of [{}, { 'elk.direction': 'RIGHT' }]) {
    const g = elkGraph(chart);
    Object.assign(g.layoutOptions!, variant);
    const out = await new ELK().layout(g);
    console.log(m.id, JSON.stringify(variant), Math.round(out.width), Math.round(out.height));
  }
}
