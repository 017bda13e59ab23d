// Personal API keys: create (the key is shown once), list, revoke.

import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import { keys, listOf, useApiKeys } from '../api/queries';
import { AddForm } from '../components/forms';
import { useRun } from '../components/run';
import { Empty, ErrorBox, Spinner, fmtTime } from '../components/ui';

export function ApiKeysScreen() {
  const list = useApiKeys();
  const queries = useQueryClient();
  const [name, setName] = useState('');
  const [expires, setExpires] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const { busy, error, setError, run } = useRun(() => queries.invalidateQueries({ queryKey: keys.apiKeys }));
  const items = listOf(list.data);
  function submit() {
    run('create', async () => {
      const r = await api.post<{ key: string }>('/users/me/api-keys', {
        name,
        expires_at: expires ? new Date(`${expires}T23:59:59Z`).toISOString() : undefined,
      });
      setCreated(r.key);
      setName('');
    });
  }
  async function revoke(id: string) {
    if (!confirm('Revoke this key? Programs using it stop working.')) return;
    try {
      await api.del(`/users/me/api-keys/${id}`);
      await queries.invalidateQueries({ queryKey: keys.apiKeys });
    } catch (err) {
      setError(err);
    }
  }
  return (
    <div className="page">
      <div className="page-head">
        <h1>API keys</h1>
      </div>
      <p className="muted">Keys act as you. Send one as <code>X-API-Key</code> or <code>Authorization: Bearer</code>.</p>
      <AddForm busy={busy === 'create'} submitLabel="Create key" buttonClassName="btn primary" onSubmit={submit}>
        <input aria-label="Key name" placeholder="Key name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
        <label className="inline">
          Expires <input type="date" aria-label="Expires" value={expires} onChange={(e) => setExpires(e.target.value)} />
        </label>
      </AddForm>
      {created && (
        <div className="notice" data-testid="new-key">
          Copy this key now; it is not shown again: <code>{created}</code>
        </div>
      )}
      <ErrorBox error={error ?? list.error} />
      {list.isPending && <Spinner />}
      {list.isSuccess && items.length === 0 && <Empty title="No API keys" />}
      {items.length > 0 && (
        <table className="grid">
          <thead>
            <tr>
              <th>Name</th>
              <th>Prefix</th>
              <th>Created</th>
              <th>Last used</th>
              <th>Expires</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td>
                <td>
                  <code>paca_{k.key_prefix}…</code>
                </td>
                <td>{fmtTime(k.created_at)}</td>
                <td>{k.last_used_at ? fmtTime(k.last_used_at) : <span className="muted">never</span>}</td>
                <td>{k.expires_at ? fmtTime(k.expires_at) : <span className="muted">never</span>}</td>
                <td className="num">
                  <button className="btn small ghost" onClick={() => revoke(k.id)}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
