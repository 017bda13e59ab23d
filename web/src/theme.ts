// Light or dark: follows the system unless the person chose one (kept in localStorage). The
// effective theme is set on <html data-theme>, which the stylesheet's colours follow.

import { useSyncExternalStore } from 'react';

export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'corral.theme';
const media = window.matchMedia('(prefers-color-scheme: dark)');
const listeners = new Set<() => void>();

function choice(): ThemeChoice {
  const saved = localStorage.getItem(KEY);
  return saved === 'light' || saved === 'dark' ? saved : 'system';
}

function effective(): 'light' | 'dark' {
  const c = choice();
  return c === 'system' ? (media.matches ? 'dark' : 'light') : c;
}

function apply() {
  document.documentElement.dataset.theme = effective();
  for (const l of listeners) l();
}

/** Sets the theme at start-up and follows the system's changes. */
export function startTheme() {
  apply();
  media.addEventListener('change', apply);
}

export function setThemeChoice(next: ThemeChoice) {
  if (next === 'system') localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, next);
  apply();
}

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

/** The choice and the theme in effect, re-rendering when either changes. */
export function useTheme(): { choice: ThemeChoice; effective: 'light' | 'dark' } {
  const c = useSyncExternalStore(subscribe, choice);
  const e = useSyncExternalStore(subscribe, effective);
  return { choice: c, effective: e };
}
