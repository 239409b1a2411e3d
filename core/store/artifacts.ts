/** The artifacts table: one record per task (its last run), written in the ack's transaction. */
import type { Db } from './database.js';
import type { Artifact } from '../queue/artifact.js';

export class ArtifactStore {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = {
      save: db.prepare(
        `INSERT OR REPLACE INTO artifacts (task_id, backend, cli_version, model, failure_class, exit_code, latency_ms,
           input_tokens, output_tokens, cost_usd, started_at, finished_at, host, worker_id, data)
         VALUES (@task_id, @backend, @cli_version, @model, @failure_class, @exit_code, @latency_ms,
           @input_tokens, @output_tokens, @cost_usd, @started_at, @finished_at, @host, @worker_id, @data)`,
      ),
      get: db.prepare('SELECT data FROM artifacts WHERE task_id = ?').pluck(),
    };
  }

  save(taskId: number, artifact: Artifact): void {
    this.stmt.save.run({
      task_id: taskId,
      backend: artifact.backend,
      cli_version: artifact.cli_version ?? null,
      model: artifact.model ?? null,
      failure_class: artifact.failure_class ?? null,
      exit_code: artifact.exit_code ?? null,
      latency_ms: artifact.latency_ms ?? null,
      input_tokens: artifact.input_tokens ?? null,
      output_tokens: artifact.output_tokens ?? null,
      cost_usd: artifact.cost_usd ?? null,
      started_at: artifact.started_at ?? null,
      finished_at: artifact.finished_at ?? null,
      host: artifact.host ?? null,
      worker_id: artifact.worker_id ?? null,
      data: JSON.stringify(artifact),
    });
  }

  get(taskId: number): Artifact | undefined {
    const data = this.stmt.get.get(taskId) as string | undefined;
    return data === undefined ? undefined : (JSON.parse(data) as Artifact);
  }
}
