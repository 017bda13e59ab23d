// A document's content, edited live: a Yjs document kept in sync with the server over the
// y-websocket protocol at /ws/docs/{docId} (the access_token cookie authenticates: the same
// origin, so the provider needs no token), bound to BlockNote's collaboration fragment
// `document-store`. Other people's cursors and selections are BlockNote's (named and coloured
// from the provider's awareness, where the server writes each person's name); above the editor,
// who is here and the connection's state. Files (an image block's upload, a pasted or dropped
// file) go to the document's files and blocks keep Paca's `docfile://` URL for them, resolved to
// a signed URL when shown (`api/docFiles.ts`). Loaded lazily: BlockNote is most of the bundle.

import { useEffect, useMemo, useRef, useState } from 'react';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { useCreateBlockNote } from '@blocknote/react';
import { BlockNoteView } from '@blocknote/mantine';
import '@blocknote/core/fonts/inter.css';
import '@blocknote/mantine/style.css';
import { errorText, refreshSession } from '../../api/client';
import { docFileUrl, resolveDocFileUrl, uploadDocFile } from '../../api/docFiles';
import { useTheme } from '../../theme';
import { initials } from '../ProjectLayout';
import { docSchema } from './schema';

/** The Yjs fragment BlockNote's collaboration binds (the server reads and writes the same). */
const FRAGMENT = 'document-store';

/** What the server's close codes mean to the person editing (README, "Live documents"). */
const CLOSED: Record<number, string> = {
  4401: 'Your session has ended. Sign in again to keep editing.',
  4403: 'You no longer have access to this document.',
  4404: 'This document has been deleted.',
  4413: 'This document is too large to take more edits.',
  4429: 'The server is busy with this document (too many editors, or cursor updates too fast). Try again in a moment.',
};

/**
 * One colour per person, the same in every browser (cursors and the "who is here" list); each
 * dark enough for white text (4.5:1), which BlockNote's cursor label then uses too.
 */
const COLORS = ['#be123c', '#c2410c', '#a16207', '#15803d', '#0f766e', '#0369a1', '#4338ca', '#7e22ce', '#a21caf', '#475569'];
export function colorFor(id: string): string {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return COLORS[h % COLORS.length];
}

export interface Me {
  id: string;
  name: string;
}

type Status = 'connecting' | 'connected' | 'disconnected';

/** A person in the document: the server-set `user.id` (one entry however many tabs). */
interface Here {
  id: string;
  name: string;
  color: string;
  me: boolean;
}

interface Session {
  ydoc: Y.Doc;
  provider: WebsocketProvider;
}

/** `editable`: the member has `docs.write` (edits the content and uploads files). */
export default function DocEditor({ project, docId, editable, me }: { project: string; docId: string; editable: boolean; me: Me }) {
  const [session, setSession] = useState<Session | null>(null);
  const [status, setStatus] = useState<Status>('connecting');
  const [synced, setSynced] = useState(false);
  const [closed, setClosed] = useState<{ code: number; reason: string } | null>(null);
  const [here, setHere] = useState<Here[]>([]);

  useEffect(() => {
    const ydoc = new Y.Doc();
    const origin = window.location.origin.replace(/^http/, 'ws');
    // No BroadcastChannel between tabs: every update goes through the server, which commits it
    // before anyone else sees it (and refuses a reader's).
    const provider = new WebsocketProvider(`${origin}/ws/docs`, docId, ydoc, { disableBc: true });
    let refreshedAt = 0;
    // An expired or missing access token: refresh it once (at most every 30 s), then reconnect.
    const signInAgain = async () => {
      if (Date.now() - refreshedAt < 30_000) return false;
      refreshedAt = Date.now();
      provider.disconnect();
      const ok = await refreshSession();
      if (ok) {
        setClosed(null);
        provider.connect();
      }
      return ok;
    };
    provider.on('status', ({ status }) => setStatus(status));
    provider.on('sync', (s: boolean) => setSynced(s));
    provider.on('connection-close', (event) => {
      setSynced(false);
      // 4001: the credential expired while connected (checked every SOCKET_RECHECK).
      if (event?.code === 4001) void signInAgain();
    });
    // A 44xx close is final for the provider: it does not reconnect by itself.
    provider.on('closed', (event) => {
      if (event.code === 4401) {
        void signInAgain().then((ok) => ok || setClosed(event));
        return;
      }
      setClosed(event);
    });
    const onAwareness = () => {
      const byUser = new Map<string, Here>();
      for (const [client, state] of provider.awareness.getStates()) {
        const user = (state as { user?: { id?: string; name?: string; color?: string } }).user;
        if (!user?.name) continue;
        const mine = client === ydoc.clientID;
        const id = mine ? me.id : user.id ?? `client-${client}`;
        if (byUser.get(id)?.me) continue;
        byUser.set(id, { id, name: mine ? me.name : user.name, color: user.color ?? colorFor(id), me: mine });
      }
      setHere([...byUser.values()].sort((a, b) => Number(b.me) - Number(a.me) || a.name.localeCompare(b.name)));
    };
    provider.awareness.on('change', onAwareness);
    setSession({ ydoc, provider });
    return () => {
      provider.awareness.off('change', onAwareness);
      provider.destroy();
      ydoc.destroy();
      setSession(null);
      setStatus('connecting');
      setSynced(false);
      setClosed(null);
      setHere([]);
    };
  }, [docId, me.id, me.name]);

  const state = closed ? 'closed' : status === 'connected' && synced ? 'live' : status === 'connected' ? 'syncing' : status;
  const label: Record<string, string> = {
    live: 'Live',
    syncing: 'Loading…',
    connecting: 'Connecting…',
    disconnected: 'Reconnecting…',
    closed: 'Not connected',
  };
  return (
    <div className="doc-editor">
      <div className="doc-editor-bar">
        <span className="doc-connection" data-testid="doc-connection" data-state={state} role="status">
          <span className={`live-dot ${state === 'live' ? 'on' : 'off'}`} aria-hidden="true" />
          {label[state]}
        </span>
        {!editable && <span className="pill">Read only</span>}
        <ul className="doc-here" data-testid="doc-here" aria-label="Who is here">
          {here.map((h) => (
            <li key={h.id} data-name={h.name} title={h.me ? `${h.name} (you)` : h.name}>
              <span className="avatar small" style={{ background: h.color, color: '#fff' }} aria-hidden="true">
                {initials(h.name)}
              </span>
              <span className="doc-here-name">{h.me ? `${h.name} (you)` : h.name}</span>
            </li>
          ))}
        </ul>
      </div>
      {closed && (
        <div className="error-box" role="alert" data-testid="doc-closed">
          <span>{CLOSED[closed.code] ?? `The connection was closed (${closed.code}${closed.reason ? `: ${closed.reason}` : ''}).`}</span>
          {closed.code === 4429 && session && (
            <button
              className="btn small"
              onClick={() => {
                setClosed(null);
                session.provider.connect();
              }}
            >
              Retry
            </button>
          )}
        </div>
      )}
      {session && (
        <CollaborativeEditor key={docId} session={session} project={project} docId={docId} editable={editable && !closed} canUpload={editable} me={me} />
      )}
    </div>
  );
}

interface EditorProps {
  session: Session;
  project: string;
  docId: string;
  editable: boolean;
  /** BlockNote offers an Upload tab (and takes pasted and dropped files) only with this. */
  canUpload: boolean;
  me: Me;
}

function CollaborativeEditor({ session, project, docId, editable, canUpload, me }: EditorProps) {
  const user = useMemo(() => ({ name: me.name, color: colorFor(me.id) }), [me.id, me.name]);
  // BlockNote says only "upload failed"; the reason (too large, a type not allowed) shows here.
  const [uploadError, setUploadError] = useState<{ name: string; error: unknown } | null>(null);
  const editorRef = useRef<typeof docSchema.BlockNoteEditor | null>(null);
  const uploadFile = useMemo(
    () =>
      canUpload
        ? async (file: File, blockId?: string) => {
            setUploadError(null);
            try {
              const stored = await uploadDocFile(project, docId, file);
              return docFileUrl(project, docId, stored.id);
            } catch (error) {
              setUploadError({ name: file.name, error });
              // BlockNote (0.51) leaves an empty file block showing "Loading..." after a failed
              // upload, and that block refuses the next one (even a replacement block keeps the
              // stuck view): it goes, and the message above says what failed.
              const editor = editorRef.current;
              const block = blockId ? editor?.getBlock(blockId) : undefined;
              if (editor && block && 'url' in block.props && !block.props.url) editor.removeBlocks([block]);
              throw error;
            }
          }
        : undefined,
    [canUpload, project, docId],
  );
  const editor = useCreateBlockNote(
    {
      schema: docSchema,
      uploadFile,
      resolveFileUrl: resolveDocFileUrl,
      collaboration: {
        provider: session.provider,
        fragment: session.ydoc.getXmlFragment(FRAGMENT),
        user,
        showCursorLabels: 'activity',
      },
      domAttributes: { editor: { 'aria-label': 'Document content' } },
    },
    [session, user, uploadFile],
  );
  editorRef.current = editor;
  const theme = useTheme().effective;
  return (
    <>
      {uploadError && (
        <div className="error-box" role="alert" data-testid="doc-upload-error">
          <span>
            Could not upload {uploadError.name}: {errorText(uploadError.error)}
          </span>
          <button className="btn small" onClick={() => setUploadError(null)}>
            Dismiss
          </button>
        </div>
      )}
      <div className="rich-text doc-content" data-testid="doc-content">
        <BlockNoteView editor={editor} editable={editable} theme={theme} />
      </div>
    </>
  );
}
