// "Write with AI": one of the project's agents writes the task's description in a conversation
// of its own, which can be followed (and stopped) on the Agents tab.

import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import { keys, useAgents } from '../../api/queries';
import type { Conversation } from '../../api/types';
import { useRun } from '../../components/run';
import { Busy, ErrorBox, Options } from '../../components/ui';

export function WriteWithAi({ project, task }: { project: string; task: string }) {
  const queries = useQueryClient();
  const agents = useAgents(project);
  const [open, setOpen] = useState(false);
  const [agent, setAgent] = useState('');
  const { busy, error, run } = useRun();
  const [started, setStarted] = useState<Conversation | null>(null);
  const list = agents.data ?? [];
  // Without agents (or without the right to see them) there is nothing to offer.
  if (!agents.isSuccess || list.length === 0) return null;

  function start() {
    const chosen = agent || list[0].id;
    run('start', async () => {
      const { conversation: c } = await api.post<{ conversation: Conversation }>(`/projects/${project}/tasks/${task}/write-with-ai`, {
        agent_id: chosen,
      });
      setStarted(c);
      setOpen(false);
      queries.invalidateQueries({ queryKey: keys.conversations(project) });
      queries.invalidateQueries({ queryKey: keys.activities(project, task) });
    });
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
            <Options items={list} label={(a) => `${a.name} (@${a.handle})`} />
          </select>
          <Busy busy={busy !== null} className="btn small primary" onClick={start}>
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
