/** The header row of a prompts × backends table (a run's grid, the Compare matrix): the prompt column, then one per backend. */
export function PromptBackendHead({ backends }: { backends: readonly string[] }) {
  return (
    <thead>
      <tr>
        <th scope="col">Prompt</th>
        {backends.map((backend) => (
          <th key={backend} scope="col">
            {backend}
          </th>
        ))}
      </tr>
    </thead>
  );
}
