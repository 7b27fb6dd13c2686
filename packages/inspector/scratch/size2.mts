import { clientConnectionMachine, serverSessionMachine } from '@ddpx/statecharts';
import ELKm from 'elkjs/lib/elk.bundled.js';
import { chartFromDefinition, elkGraph } from '../src/page/chartGraph.ts';
const ELK = ELKm as any;
for (const m of [clientConnectionMachine, serverSessionMachine]) {
  const def = JSON.stringify(m.config, (k, v) => typeof v === 'function' ? { type: v.name } : v);
  const chart = chartFromDefinition(def)!;
  for (const v of ['noguard', 'noguard+paraDown', 'nolabel-width', 'noguard+spacing']) {
    const g = elkGraph(chart) as any;
    const fix = (n: any) => { if (n.layoutOptions && v.includes('paraDown')) n.layoutOptions['elk.direction'] = 'DOWN'; (n.children ?? []).forEach(fix); };
    fix(g);
    for (const e of g.edges) for (const l of e.labels ?? []) { if (v.startsWith('noguard')) { l.text = l.text.replace(/ \[.*\]$/, ''); l.width = l.text.length * 6.6 + 6; } if (v === 'nolabel-width') { l.width = 1; } }
    if (v.includes('spacing')) { g.layoutOptions['elk.layered.spacing.edgeEdgeBetweenLayers'] = '4'; g.layoutOptions['elk.layered.spacing.edgeNodeBetweenLayers'] = '8'; g.layoutOptions['elk.spacing.edgeEdge'] = '4'; g.layoutOptions['elk.spacing.edgeNode']='8'; }
    const out = await new ELK().layout(g);
    console.log(m.id, v, Math.round(out.width), Math.round(out.height));
  }
}
