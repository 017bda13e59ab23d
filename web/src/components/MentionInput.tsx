// A comment box that suggests people after @: suggestions match the handle or any word of the
// full name; arrows choose, Enter or Tab picks, Ctrl/Cmd+Enter sends. What it writes is plain
// text with @handles, which `commentDoc` (blocks.ts) turns into mentions.

import { useEffect, useId, useMemo, useState } from 'react';
import type { Mentionable } from './blocks';

export function MentionInput({
  value,
  onChange,
  people,
  onSubmit,
  label,
  placeholder,
  rows = 3,
  autoFocus,
}: {
  value: string;
  onChange: (text: string) => void;
  people: Mentionable[];
  /** Ctrl/Cmd+Enter. */
  onSubmit: () => void;
  label: string;
  placeholder?: string;
  rows?: number;
  autoFocus?: boolean;
}) {
  const listId = useId();
  const query = /@([A-Za-z0-9._-]*)$/.exec(value)?.[1];
  const suggestions = useMemo(() => {
    if (query === undefined) return [];
    const q = query.toLowerCase();
    return people
      .filter((p) => p.name.toLowerCase().startsWith(q) || p.label.toLowerCase().split(/\s+/).some((w) => w.startsWith(q)) || p.label.toLowerCase().startsWith(q))
      .slice(0, 6);
  }, [people, query]);
  const [active, setActive] = useState(0);
  useEffect(() => setActive(0), [query]);
  const pick = (p: Mentionable) => onChange(value.replace(/@([A-Za-z0-9._-]*)$/, `@${p.name} `));
  const optionId = (p: Mentionable) => `${listId}-${p.id}`;

  return (
    <>
      <textarea
        aria-label={label}
        placeholder={placeholder}
        value={value}
        rows={rows}
        autoFocus={autoFocus}
        onChange={(e) => onChange(e.target.value)}
        role="combobox"
        aria-expanded={suggestions.length > 0}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={suggestions[active] ? optionId(suggestions[active]) : undefined}
        onKeyDown={(e) => {
          if (suggestions.length > 0) {
            if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
              e.preventDefault();
              setActive((a) => (a + (e.key === 'ArrowDown' ? 1 : suggestions.length - 1)) % suggestions.length);
              return;
            }
            if ((e.key === 'Enter' && !e.metaKey && !e.ctrlKey) || e.key === 'Tab') {
              e.preventDefault();
              pick(suggestions[Math.min(active, suggestions.length - 1)]);
              return;
            }
          }
          if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) {
            e.preventDefault();
            onSubmit();
          }
        }}
      />
      {suggestions.length > 0 && (
        <div className="suggestions" role="listbox" aria-label="Mention" id={listId}>
          {suggestions.map((p, i) => (
            <button
              type="button"
              key={p.id}
              id={optionId(p)}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : ''}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => pick(p)}
            >
              {p.agent ? <span className="bot">AI</span> : null}
              {p.label} <span className="muted">@{p.name}</span>
            </button>
          ))}
        </div>
      )}
    </>
  );
}
