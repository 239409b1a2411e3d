/** Overview: the hub and its counts, throughput and failures over time, agents, cost per backend. */
import { AgentsPanel } from './AgentsPanel.js';
import { CostPanel } from './CostPanel.js';
import { HubPanel } from './HubPanel.js';
import { ThroughputPanel } from './ThroughputPanel.js';
import './overview.css';

export default function OverviewPage() {
  return (
    <section className="page" aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      <HubPanel />
      <div className="grid">
        <ThroughputPanel />
        <AgentsPanel />
      </div>
      <CostPanel />
    </section>
  );
}
