// React access to the session's realtime connection.

import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Realtime, type PresenceEntry, type ProjectEvent } from './socket';

const RealtimeContext = createContext<Realtime | null>(null);

export function RealtimeProvider({ children }: { children: ReactNode }) {
  const queries = useQueryClient();
  const [rt, setRt] = useState<Realtime | null>(null);
  useEffect(() => {
    const r = new Realtime(queries);
    setRt(r);
    return () => r.close();
  }, [queries]);
  return <RealtimeContext.Provider value={rt}>{children}</RealtimeContext.Provider>;
}

export const useRealtime = () => useContext(RealtimeContext);

/** Follows the project (join with resume) while the calling screen is mounted. */
export function useProjectFollow(project: string | undefined) {
  const rt = useRealtime();
  useEffect(() => {
    if (!rt || !project) return;
    return rt.follow(project);
  }, [rt, project]);
}

export function useConnected(): boolean {
  const rt = useRealtime();
  const [c, setC] = useState(rt?.connected ?? false);
  useEffect(() => {
    if (!rt) return;
    setC(rt.connected);
    return rt.onStatus(setC);
  }, [rt]);
  return c;
}

export function usePresence(project: string): PresenceEntry[] {
  const rt = useRealtime();
  const [list, setList] = useState<PresenceEntry[]>(() => rt?.presenceOf(project) ?? []);
  useEffect(() => {
    if (!rt) return;
    setList(rt.presenceOf(project));
    return rt.onPresenceChange((p, entries) => {
      if (p === project) setList(entries);
    });
  }, [rt, project]);
  return list;
}

export function useProjectEvents(project: string, fn: (e: ProjectEvent) => void) {
  const rt = useRealtime();
  useEffect(() => {
    if (!rt) return;
    return rt.onProjectEvent((e) => {
      if ((e.project_id ?? e.payload?.project_id) === project) fn(e);
    });
  }, [rt, project, fn]);
}
