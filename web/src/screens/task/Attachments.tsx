// The task drawer's attachments: one row per file (thumbnail for images, size, type, who
// uploaded it and when, Download, Delete) and, for people who may edit tasks, a drop zone and a
// file picker. Files upload one after another, each with its progress bar (`api/files.ts`);
// closing the drawer cancels what is still uploading.

import { useEffect, useRef, useState, type DragEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { errorText } from '../../api/client';
import { deleteAttachment, downloadUrl, uploadAttachment } from '../../api/files';
import { keys, useAttachmentUrl, useAttachments } from '../../api/queries';
import type { Attachment, Member } from '../../api/types';
import { useRun } from '../../components/run';
import { Busy, ErrorBox, Spinner, fmtBytes, fmtDate, fmtTime } from '../../components/ui';

/** Types shown as thumbnails (the server serves them inline). */
const THUMBNAIL_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** A file on its way: waiting for the ones before it, sending, or refused. */
interface Upload {
  key: number;
  name: string;
  sent: number;
  total: number;
  started: boolean;
  error?: unknown;
  controller: AbortController;
}

export function Attachments({
  project,
  task,
  members,
  canWrite,
}: {
  project: string;
  task: string;
  /** The project's members, to name who uploaded a file. */
  members: Member[];
  canWrite: boolean;
}) {
  const queries = useQueryClient();
  const list = useAttachments(project, task);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [over, setOver] = useState(false);
  const { busy, error, run } = useRun();
  const picker = useRef<HTMLInputElement>(null);
  const queue = useRef<Promise<void>>(Promise.resolve());
  const nextKey = useRef(0);
  const running = useRef(new Set<AbortController>());
  useEffect(() => {
    const controllers = running.current;
    return () => controllers.forEach((c) => c.abort());
  }, []);

  const change = (key: number, fields: Partial<Upload>) => setUploads((all) => all.map((u) => (u.key === key ? { ...u, ...fields } : u)));
  const drop = (key: number) => setUploads((all) => all.filter((u) => u.key !== key));
  const refresh = () => {
    queries.invalidateQueries({ queryKey: keys.attachments(project, task) });
    queries.invalidateQueries({ queryKey: keys.activities(project, task) });
  };

  function add(files: FileList | File[]) {
    for (const file of Array.from(files)) {
      const key = nextKey.current++;
      const controller = new AbortController();
      running.current.add(controller);
      setUploads((all) => [...all, { key, name: file.name, sent: 0, total: file.size, started: false, controller }]);
      queue.current = queue.current.then(async () => {
        if (controller.signal.aborted) return;
        change(key, { started: true });
        try {
          const added = await uploadAttachment(project, task, file, {
            signal: controller.signal,
            onProgress: (sent) => change(key, { sent }),
          });
          queries.setQueryData<Attachment[]>(keys.attachments(project, task), (old) =>
            old && !old.some((a) => a.id === added.id) ? [...old, added] : old,
          );
          drop(key);
          refresh();
        } catch (err) {
          if (controller.signal.aborted) drop(key);
          else change(key, { error: err });
        } finally {
          running.current.delete(controller);
        }
      });
    }
  }

  function cancel(u: Upload) {
    u.controller.abort();
    drop(u.key);
  }

  function download(a: Attachment) {
    run(`download ${a.id}`, async () => {
      const url = await downloadUrl(project, task, a.id, true);
      // A link rather than window.open: no pop-up blocker, and the page stays (the URL answers
      // with `Content-Disposition: attachment`).
      const link = document.createElement('a');
      link.href = url;
      link.download = a.file?.file_name ?? '';
      link.rel = 'noopener';
      document.body.appendChild(link);
      link.click();
      link.remove();
    });
  }

  function remove(a: Attachment) {
    if (!confirm(`Delete ${nameOf(a)}?`)) return;
    run(a.id, async () => {
      await deleteAttachment(project, task, a.id);
      queries.setQueryData<Attachment[]>(keys.attachments(project, task), (old) => old?.filter((x) => x.id !== a.id));
      refresh();
    });
  }

  const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer.types).includes('Files');
  const items = list.data ?? [];
  const uploader = (a: Attachment) => {
    const id = a.file?.uploaded_by ?? a.created_by;
    const m = members.find((x) => x.user_id === id);
    return m ? m.full_name || m.username : 'a former member';
  };

  return (
    <div className="section" data-testid="task-attachments">
      <h3>Attachments</h3>
      {list.isPending && <Spinner label="Loading attachments…" />}
      <ErrorBox error={list.error} onRetry={() => list.refetch()} />
      {list.isSuccess && items.length === 0 && uploads.length === 0 && <div className="muted">No attachments.</div>}
      {items.length > 0 && (
        <ul className="attachment-list">
          {items.map((a) => (
            <li key={a.id} className="attachment" data-testid="attachment" data-file-name={nameOf(a)}>
              <Thumbnail project={project} task={task} attachment={a} />
              <div className="attachment-info">
                <span className="attachment-name">{nameOf(a)}</span>
                <span className="muted small attachment-meta">
                  {a.file ? `${fmtBytes(a.file.file_size)} · ${a.file.content_type} · ` : ''}
                  {uploader(a)} ·{' '}
                  <time dateTime={a.created_at} title={fmtTime(a.created_at)}>
                    {fmtDate(a.created_at)}
                  </time>
                </span>
              </div>
              <div className="attachment-actions">
                <Busy busy={busy === `download ${a.id}`} className="btn small" aria-label={`Download ${nameOf(a)}`} onClick={() => download(a)}>
                  Download
                </Busy>
                {canWrite && (
                  <Busy busy={busy === a.id} className="btn ghost small danger-text" aria-label={`Delete ${nameOf(a)}`} onClick={() => remove(a)}>
                    Delete
                  </Busy>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      <ErrorBox error={error} />
      {uploads.map((u) => (
        <UploadRow key={u.key} upload={u} onCancel={() => cancel(u)} />
      ))}
      {canWrite && (
        <div
          className={`drop-zone${over ? ' over' : ''}`}
          data-testid="attachment-drop"
          onDragOver={(e) => {
            if (!hasFiles(e)) return;
            e.preventDefault();
            e.dataTransfer.dropEffect = 'copy';
            setOver(true);
          }}
          onDragLeave={(e) => {
            if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(false);
          }}
          onDrop={(e) => {
            if (!hasFiles(e)) return;
            e.preventDefault();
            setOver(false);
            add(e.dataTransfer.files);
          }}
        >
          <span className="muted">Drop files here or</span>
          <button type="button" className="btn small" onClick={() => picker.current?.click()}>
            Choose files…
          </button>
          <input
            ref={picker}
            type="file"
            multiple
            hidden
            aria-label="Attach files"
            onChange={(e) => {
              if (e.target.files) add(e.target.files);
              // The same file again is a new choice.
              e.target.value = '';
            }}
          />
        </div>
      )}
    </div>
  );
}

function UploadRow({ upload: u, onCancel }: { upload: Upload; onCancel: () => void }) {
  const percent = u.total > 0 ? Math.floor((u.sent / u.total) * 100) : 0;
  return (
    <div className="upload" data-testid="upload" data-file-name={u.name}>
      <div className="upload-head">
        <span className="attachment-name">{u.name}</span>
        <span className="muted small">{u.error ? 'Not attached' : u.started ? `${percent}%` : 'Waiting…'}</span>
        <button type="button" className="btn ghost small" aria-label={u.error ? `Dismiss ${u.name}` : `Cancel ${u.name}`} onClick={onCancel}>
          ×
        </button>
      </div>
      {u.error ? (
        <div className="error-box" role="alert">
          Could not attach {u.name}: {errorText(u.error)}
        </div>
      ) : (
        <div
          className="progress"
          role="progressbar"
          aria-label={`Uploading ${u.name}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          aria-valuetext={`${fmtBytes(u.sent)} of ${fmtBytes(u.total)}`}
        >
          <span style={{ width: `${percent}%` }} />
        </div>
      )}
    </div>
  );
}

/**
 * A small picture of an image attachment (its inline URL, opened in a new tab when clicked), or
 * the file's extension. A picture that fails to load (an expired URL) asks for a new URL once.
 */
function Thumbnail({ project, task, attachment }: { project: string; task: string; attachment: Attachment }) {
  const file = attachment.file;
  const image = !!file && THUMBNAIL_TYPES.has(file.content_type);
  const url = useAttachmentUrl(project, task, attachment.id, image);
  const [askedAgain, setAskedAgain] = useState(false);
  const [broken, setBroken] = useState(false);
  if (!image || broken || !url.data) {
    return (
      <span className="attachment-thumb" aria-hidden>
        {extension(nameOf(attachment))}
      </span>
    );
  }
  return (
    <a className="attachment-thumb" href={url.data} target="_blank" rel="noopener noreferrer" aria-label={`Open ${nameOf(attachment)}`}>
      <img
        src={url.data}
        alt=""
        loading="lazy"
        referrerPolicy="no-referrer"
        onError={() => {
          if (askedAgain) {
            setBroken(true);
          } else {
            setAskedAgain(true);
            void url.refetch();
          }
        }}
      />
    </a>
  );
}

const nameOf = (a: Attachment) => a.file?.file_name ?? 'a file';

/** "PDF" for report.pdf; "FILE" without an extension. */
function extension(name: string): string {
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot + 1, dot + 5) : '';
  return ext ? ext.toUpperCase() : 'FILE';
}
