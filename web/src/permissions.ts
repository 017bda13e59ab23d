// What the signed-in person may do, for hiding or disabling the controls they may not use:
// global keys from the session (`/users/me/global-permissions`), a project's from
// `members/me/permissions`. The server still checks every request; this only spares people
// buttons that would fail.

import { useMyProjectPermissions } from './api/queries';
import { grants, useSession } from './session';

/** Whether the global permissions grant `key`. */
export function useGlobalGrant(key: string): boolean {
  return grants(useSession().permissions, key);
}

/**
 * `can(key)` for a project: false until the answer arrives (controls appear, never vanish), and
 * whether the answer is in.
 */
export function useProjectGrants(project: string): { can: (key: string) => boolean; loaded: boolean } {
  const mine = useMyProjectPermissions(project);
  return { can: (key) => grants(mine.data, key), loaded: mine.isSuccess };
}

/** The permission keys the project's controls check (as the server's `access.rs` names them). */
export const PROJECT_KEYS = {
  write: 'projects.write',
  delete: 'projects.delete',
  membersWrite: 'project.members.write',
  rolesWrite: 'project.roles.write',
  tasksWrite: 'tasks.write',
  sprintsWrite: 'sprints.write',
  agentsWrite: 'agents.write',
  docsWrite: 'docs.write',
} as const;
