// Agents: create and configure them, their conversations (live), stop/pause, messages, chat.

import { useEffect, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api } from '../api/client';
import { keys, useAgents, useConversation, useConversationEvents, useConversations, useProject, useRoles } from '../api/queries';
import { useBoardTasks } from '../api/board';
import type { Agent, ConversationEvent } from '../api/types';
import { useRun } from '../components/run';
import { Busy, Empty, ErrorBox, Modal, Options, Spinner, fmtTime } from '../components/ui';
import { PROJECT_KEYS, useProjectGrants } from '../permissions';

const PROVIDERS = ['scripted', 'openai', 'anthropic', 'openrouter', 'gemini', 'mistral', 'ollama', 'litellm_proxy'];

export function AgentsScreen() {
  const { pid = '' } = useParams();
  const agents = useAgents(pid);
  const conversations = useConversations(pid);
  const tasks = useBoardTasks(pid);
  const [editing, setEditing] = useState<Agent | 'new' | null>(null);
  const [chatting, setChatting] = useState<Agent | null>(null);
  const canManage = useProjectGrants(pid).can(PROJECT_KEYS.agentsWrite);
  const list = agents.data ?? [];
  const name = (id: string) => list.find((a) => a.id === id)?.name ?? 'agent';
  const project = useProject(pid);
  const taskLabel = (id?: string) => {
    const t = tasks.tasks.find((x) => x.id === id);
    return t ? `${project.data?.task_id_prefix}-${t.task_number} ${t.title}` : '';
  };

  return (
    <div className="agents-page">
      <div className="toolbar">
        {canManage && (
          <button className="btn primary" onClick={() => setEditing('new')}>
            New agent
          </button>
        )}
      </div>
      <ErrorBox error={agents.error} onRetry={() => agents.refetch()} />
      {agents.isPending && <Spinner />}
      {agents.isSuccess && list.length === 0 && <Empty title="No agents yet">Agents are project members: assign them tasks or @mention them in comments.</Empty>}
      <div className="agent-grid">
        {list.map((a) => (
          <div key={a.id} className="agent-card" data-testid="agent-card" data-handle={a.handle}>
            <div className="agent-name">
              <span className="bot">AI</span> <strong>{a.name}</strong> <span className="muted">@{a.handle}</span>
            </div>
            <div className="muted small">
              {a.llm_provider} · {a.llm_model} {a.has_llm_api_key ? '· key set' : ''}
            </div>
            <div className="actions">
              <button className="btn small" onClick={() => setEditing(a)}>
                Configure
              </button>
              <button className="btn small" onClick={() => setChatting(a)}>
                Chat
              </button>
            </div>
          </div>
        ))}
      </div>

      <h2>Conversations</h2>
      <ErrorBox error={conversations.error} />
      {conversations.isPending && <Spinner />}
      {conversations.isSuccess && conversations.data.length === 0 && <Empty title="No conversations yet" />}
      {(conversations.data?.length ?? 0) > 0 && (
        <table className="grid" data-testid="conversations">
          <thead>
            <tr>
              <th>Agent</th>
              <th>Trigger</th>
              <th>Task</th>
              <th>Status</th>
              <th>Started</th>
            </tr>
          </thead>
          <tbody>
            {conversations.data!.map((c) => (
              <tr key={c.id}>
                <td>
                  <Link to={`conversations/${c.id}`}>{name(c.agent_id)}</Link>
                </td>
                <td>{c.trigger_type.replace(/_/g, ' ')}</td>
                <td>{taskLabel(c.task_id)}</td>
                <td>
                  <span className={`pill ${c.status}`}>{c.status}</span>
                  {c.queue_position ? <span className="muted small"> #{c.queue_position} in queue</span> : null}
                </td>
                <td>{fmtTime(c.started_at ?? c.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing && <AgentForm project={pid} agent={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />}
      {chatting && <ChatStart project={pid} agent={chatting} onClose={() => setChatting(null)} />}
    </div>
  );
}

function AgentForm({ project, agent, onClose }: { project: string; agent: Agent | null; onClose: () => void }) {
  const queries = useQueryClient();
  const roles = useRoles(project);
  const [f, setF] = useState({
    name: agent?.name ?? '',
    handle: agent?.handle ?? '',
    llm_provider: agent?.llm_provider ?? 'scripted',
    llm_model: agent?.llm_model ?? 'script',
    llm_api_key: '',
    llm_base_url: agent?.llm_base_url ?? '',
    system_prompt: agent?.system_prompt ?? '',
    max_iterations: agent?.max_iterations ?? 50,
    timeout_minutes: agent?.timeout_minutes ?? 30,
    project_role_id: '',
  });
  const { busy, error, setError, run } = useRun();
  const set = (k: keyof typeof f, v: string | number) => setF((x) => ({ ...x, [k]: v }));
  const editor = roles.data?.find((r) => r.role_name === 'Editor')?.id ?? roles.data?.[0]?.id ?? '';

  function submit(e: FormEvent) {
    e.preventDefault();
    run('save', async () => {
      const body: Record<string, unknown> = { ...f, max_iterations: Number(f.max_iterations), timeout_minutes: Number(f.timeout_minutes) };
      if (!body.project_role_id) {
        if (agent) delete body.project_role_id;
        else body.project_role_id = editor;
      }
      if (agent) {
        if (!f.llm_api_key) delete body.llm_api_key;
        await api.patch(`/projects/${project}/agents/${agent.id}`, body);
      } else {
        if (!body.llm_api_key) body.llm_api_key = f.llm_provider === 'scripted' ? 'unused' : '';
        await api.post(`/projects/${project}/agents`, body);
      }
      await queries.invalidateQueries({ queryKey: keys.agents(project) });
      await queries.invalidateQueries({ queryKey: keys.members(project) });
      onClose();
    });
  }
  async function remove() {
    if (!agent || !confirm(`Delete ${agent.name}?`)) return;
    try {
      await api.del(`/projects/${project}/agents/${agent.id}`);
      await queries.invalidateQueries({ queryKey: ['project', project] });
      onClose();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <Modal title={agent ? `Configure ${agent.name}` : 'New agent'} onClose={onClose} wide>
      <form className="form" onSubmit={submit}>
        <div className="row">
          <label>
            Name
            <input name="agent_name" value={f.name} onChange={(e) => set('name', e.target.value)} required autoFocus />
          </label>
          <label>
            Handle (for @mentions)
            <input name="handle" value={f.handle} onChange={(e) => set('handle', e.target.value)} required />
          </label>
        </div>
        <div className="row">
          <label>
            LLM provider
            <input name="llm_provider" list="providers" value={f.llm_provider} onChange={(e) => set('llm_provider', e.target.value)} required />
            <datalist id="providers">
              {PROVIDERS.map((p) => (
                <option key={p} value={p} />
              ))}
            </datalist>
          </label>
          <label>
            Model
            <input name="llm_model" value={f.llm_model} onChange={(e) => set('llm_model', e.target.value)} required />
          </label>
        </div>
        <div className="row">
          <label>
            API key {agent?.has_llm_api_key && <span className="muted">(set; leave empty to keep)</span>}
            <input name="llm_api_key" type="password" value={f.llm_api_key} onChange={(e) => set('llm_api_key', e.target.value)} />
          </label>
          <label>
            Base URL
            <input name="llm_base_url" value={f.llm_base_url} onChange={(e) => set('llm_base_url', e.target.value)} placeholder="optional" />
          </label>
        </div>
        <label>
          System prompt {f.llm_provider === 'scripted' && <span className="muted">(a script: one instruction per line, e.g. “comment …”, “status Done”, “sleep 500”)</span>}
          <textarea name="system_prompt" rows={6} value={f.system_prompt} onChange={(e) => set('system_prompt', e.target.value)} />
        </label>
        <div className="row">
          <label>
            Max iterations
            <input type="number" min={1} max={500} value={f.max_iterations} onChange={(e) => set('max_iterations', e.target.value)} />
          </label>
          <label>
            Timeout (minutes)
            <input type="number" min={1} max={480} value={f.timeout_minutes} onChange={(e) => set('timeout_minutes', e.target.value)} />
          </label>
          <label>
            Project role
            <select value={f.project_role_id || (agent ? '' : editor)} onChange={(e) => set('project_role_id', e.target.value)}>
              {agent && <option value="">(unchanged)</option>}
              <Options items={roles.data} label={(r) => r.role_name} />
            </select>
          </label>
        </div>
        <ErrorBox error={error} />
        <div className="actions">
          {agent && (
            <button type="button" className="btn danger" onClick={remove}>
              Delete agent
            </button>
          )}
          <span className="spacer" />
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <Busy busy={busy !== null} className="btn primary" type="submit">
            {agent ? 'Save' : 'Create agent'}
          </Busy>
        </div>
      </form>
    </Modal>
  );
}

function ChatStart({ project, agent, onClose }: { project: string; agent: Agent; onClose: () => void }) {
  const navigate = useNavigate();
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    try {
      const r = await api.post<{ conversation: { id: string } }>(`/projects/${project}/agents/${agent.id}/chat-sessions`, { message });
      navigate(`/projects/${project}/agents/conversations/${r.conversation.id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }
  return (
    <Modal title={`Chat with ${agent.name}`} onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <textarea aria-label="Message" rows={4} value={message} onChange={(e) => setMessage(e.target.value)} required autoFocus />
        <ErrorBox error={error} />
        <div className="actions">
          <Busy busy={busy} className="btn primary" type="submit">
            Send
          </Busy>
        </div>
      </form>
    </Modal>
  );
}

/** How often an open conversation tells the server someone is looking (keeps a chat's sandbox). */
const HEARTBEAT_MS = 30_000;

export function ConversationScreen() {
  const { pid = '', cid = '' } = useParams();
  const navigate = useNavigate();
  const conversation = useConversation(pid, cid);
  const events = useConversationEvents(pid, cid);
  const agents = useAgents(pid);
  const queries = useQueryClient();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState('');
  const c = conversation.data;
  const agent = agents.data?.find((a) => a.id === c?.agent_id);
  const tasks = useBoardTasks(pid, !!c?.task_id);
  const project = useProject(pid);
  const taskLabel = (id?: string) => {
    const t = tasks.tasks.find((x) => x.id === id);
    return t ? `${project.data?.task_id_prefix}-${t.task_number} ${t.title}` : '';
  };
  const chat = !!c?.chat_session_id;
  const live = !!c && (c.status === 'running' || c.status === 'queued' || c.status === 'paused');
  // A chat takes a message unless it is working on one (a paused chat resumes, an ended one
  // continues in a new conversation of its session); other runs only while they run.
  const canMessage = !!c && (chat ? c.status !== 'running' && c.status !== 'queued' : c.status === 'running');

  useEffect(() => {
    if (!live) return;
    const beat = () => api.post(`/projects/${pid}/conversations/${cid}/heartbeat`).catch(() => {});
    const timer = setInterval(beat, HEARTBEAT_MS);
    return () => clearInterval(timer);
  }, [live, pid, cid]);

  async function act(what: 'stop' | 'pause') {
    setBusy(what);
    setError(null);
    try {
      await api.post(`/projects/${pid}/conversations/${cid}/${what}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
      queries.invalidateQueries({ queryKey: keys.conversation(pid, cid) });
      queries.invalidateQueries({ queryKey: keys.conversations(pid) });
    }
  }
  async function send(e: FormEvent) {
    e.preventDefault();
    if (!message.trim() || !c) return;
    setBusy('send');
    setError(null);
    try {
      if (chat) {
        const r = await api.post<{ conversation: { id: string } }>(
          `/projects/${pid}/agents/${c.agent_id}/chat-sessions/${c.chat_session_id}/messages`,
          { message },
        );
        if (r.conversation.id !== cid) navigate(`/projects/${pid}/agents/conversations/${r.conversation.id}`);
      } else {
        await api.post(`/projects/${pid}/conversations/${cid}/messages`, { message });
      }
      setMessage('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
      queries.invalidateQueries({ queryKey: keys.conversation(pid, cid) });
      queries.invalidateQueries({ queryKey: keys.conversationEvents(pid, cid) });
      queries.invalidateQueries({ queryKey: keys.conversations(pid) });
    }
  }

  return (
    <div className="conversation-page">
      <Link to={`/projects/${pid}/agents`}>← Agents</Link>
      <ErrorBox error={conversation.error ?? events.error} onRetry={() => (conversation.refetch(), events.refetch())} />
      {conversation.isPending && <Spinner />}
      {c && (
        <>
          <div className="page-head">
            <h2>
              <span className="bot">AI</span> {agent?.name ?? 'Agent'} · {c.trigger_type.replace(/_/g, ' ')}
            </h2>
            <span className={`pill ${c.status}`} data-testid="conversation-status">
              {c.status}
            </span>
            <span className="spacer" />
            {c.status === 'running' && (
              <Busy busy={busy === 'pause'} className="btn" onClick={() => act('pause')}>
                Pause
              </Busy>
            )}
            {live && (
              <Busy busy={busy === 'stop'} className="btn danger" onClick={() => act('stop')}>
                Stop
              </Busy>
            )}
          </div>
          {c.task_id && (
            <p data-testid="conversation-task">
              On task{' '}
              <Link to={`/projects/${pid}/board?task=${c.task_id}`}>{taskLabel(c.task_id) || 'the task'}</Link>
            </p>
          )}
          {c.error_message && <div className="error-box">{c.error_message}</div>}
          {c.queue_position ? <div className="notice">Waiting in the queue: #{c.queue_position}</div> : null}
          {c.status === 'paused' && (
            <div className="notice" role="status" data-testid="paused-note">
              {chat ? 'Paused: the agent keeps its workspace. Send a message to resume.' : 'Paused.'}
            </div>
          )}
          {events.isPending && <Spinner label="Loading events…" />}
          <ol className="events" data-testid="conversation-events">
            {(events.data ?? []).map((e) => (
              <EventItem key={e.event_index} e={e} />
            ))}
            {events.isSuccess && events.data.length === 0 && <li className="muted">No events yet.</li>}
          </ol>
          {(c.status === 'running' || c.status === 'queued') && <div className="progress-line" aria-label="Agent working" />}
          {canMessage ? (
            <form className="inline-form" onSubmit={send}>
              <input
                aria-label="Message to the agent"
                placeholder={chat && !live ? 'Continue the chat…' : 'Message the agent…'}
                value={message}
                onChange={(e) => setMessage(e.target.value)}
              />
              <Busy busy={busy === 'send'} className="btn primary" type="submit" disabled={!message.trim()}>
                Send
              </Busy>
            </form>
          ) : (
            <div className="muted small" data-testid="message-hint">
              {c.status === 'running' || c.status === 'queued'
                ? 'The agent is working; you can write again when it pauses.'
                : 'This conversation has ended.'}
            </div>
          )}
          <ErrorBox error={error} />
        </>
      )}
    </div>
  );
}

/** One event of a conversation, as a reader would name it: who spoke, what was run, what came back. */
function EventItem({ e }: { e: ConversationEvent }) {
  const p = e.payload as any;
  let text = '';
  let cls = '';
  let who = '';
  if (p?.llm_message) {
    const content = p.llm_message.content;
    text = Array.isArray(content) ? content.map((c: any) => c.text ?? '').join('') : String(content ?? '');
    const role = p.llm_message.role;
    cls = role === 'user' ? 'user' : role === 'system' ? 'state' : 'assistant';
    who = role === 'user' ? 'Instruction' : role === 'system' ? 'Setup' : role === 'tool' ? 'Tool result' : 'Agent';
  } else if (p?.action) {
    text = String(p.action.command ?? p.action.kind ?? JSON.stringify(p.action));
    cls = 'action';
    who = 'Action';
  } else if (p?.observation) {
    text = String(p.observation.output ?? p.observation.content ?? '');
    cls = 'observation';
    who = p.observation.ok === false ? 'Failed' : 'Result';
  } else if (p?.key) {
    text = `${String(p.key).replace(/_/g, ' ')}: ${typeof p.value === 'string' ? p.value : JSON.stringify(p.value)}`;
    cls = 'state';
    who = 'State';
  } else {
    text = JSON.stringify(p).slice(0, 300);
    who = e.event_type.replace(/Event$/, '').replace(/([a-z])([A-Z])/g, '$1 $2');
  }
  return (
    <li className={`event ${cls}`} data-event-index={e.event_index}>
      <span className="event-head small">
        <strong>{who}</strong> <span className="muted">{fmtTime(e.created_at)}</span>
      </span>
      <div className="event-text">{text}</div>
    </li>
  );
}
