// "Write with AI": one of the project's agents writes the task's description in a conversation
// of its own, which can be followed (and stopped) on the Agents tab.

import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import { keys, useAgents } from '../../api/queries';
import type { Conversation } from '../../api/types';
import { Busy, ErrorBox } from '../../components/ui';

export function WriteWithAi({ project, task }: { project: string; task: string }) {
  const queries = useQueryClient();
  const agents = useAgents(project);
  const [open, setOpen] = useState(false);
  const [agent, setAgent] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [started, setStarted] = useState<Conversation | null>(null);
  const list = agents.data ?? [];
  // Without agents (or without the right to see them) there is nothing to offer.
  if (!agents.isSuccess || list.length === 0) return null;

  async function start() {
    const chosen = agent || list[0].id;
    setBusy(true);
    setError(null);
    try {
      const c = await api.post<Conversation>(`/projects/${project}/tasks/${task}/write-with-ai`, { agent_id: chosen });
      setStarted(c);
      setOpen(false);
      queries.invalidateQueries({ queryKey: keys.conversations(project) });
      queries.invalidateQueries({ queryKey: keys.activities(project, task) });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="write-with-ai">
      {!open && (
        <button type="button" className="btn small" onClick={() => setOpen(true)}>
          Write with AI…
        </button>
      )}
      {open && (
        <>
          <select aria-label="Agent to write the description" value={agent || list[0].id} onChange={(e) => setAgent(e.target.value)}>
            {list.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} (@{a.handle})
              </option>
            ))}
          </select>
          <Busy busy={busy} className="btn small primary" onClick={start}>
            Start
          </Busy>
          <button type="button" className="btn small ghost" onClick={() => setOpen(false)}>
            Cancel
          </button>
        </>
      )}
      {started && (
        <Link to={`/projects/${project}/agents/conversations/${started.id}`} data-testid="write-with-ai-started">
          Follow the conversation
        </Link>
      )}
      <ErrorBox error={error} />
    </div>
  );
}
