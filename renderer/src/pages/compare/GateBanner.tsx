/** The CI gate's verdict at the top of Compare: pass or fail, each reason in words, warnings, the policy. */
import type { Gate } from '../../api/types.js';
import { gateVerdict } from './matrix-logic.js';

export function GateBanner({ gate }: { gate: Gate }) {
  const v = gateVerdict(gate);
  const p = gate.policy;
  return (
    <section className={`callout tone-${v.tone} gate`} data-testid="gate" data-pass={gate.pass} aria-labelledby="gate-heading">
      <h2 id="gate-heading" className="gate__title">
        {v.text}
      </h2>
      {gate.failures.length > 0 && (
        <ul className="gate__list" aria-label="Why the gate fails">
          {gate.failures.map((f, i) => (
            <li key={i} data-kind={f.kind}>
              ✗ {f.text}
            </li>
          ))}
        </ul>
      )}
      {gate.warnings.length > 0 && (
        <ul className="gate__list" aria-label="Warnings">
          {gate.warnings.map((f, i) => (
            <li key={i} data-kind={f.kind}>
              ! {f.text}
            </li>
          ))}
        </ul>
      )}
      <p className="gate__policy">
        Policy: significance {p.alpha} · tolerated drop {Math.round(p.max_pass_rate_drop * 100)}% · at least {p.min_repeats} tr{p.min_repeats === 1 ? 'y' : 'ies'} per prompt · flaky prompts{' '}
        {p.allow_flaky ? 'warn' : 'fail'} <span className="gate__source">({gate.policy_source})</span>
      </p>
    </section>
  );
}
