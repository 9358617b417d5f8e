// Small shared pieces of the console's pages: the page heading (which also sets the document title), status badges,
// messages, a scrollable table region, cursor paging, and a live "updated at" note.

import { useEffect } from 'react';
import type { ReactNode } from 'react';
import { humanize } from './format';

/** The page's h1, also used as the document title. */
export function PageHeading({ title, children }: { title: string; children?: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · settleflow console`;
  }, [title]);
  return (
    <div className="page-heading">
      <h1>{title}</h1>
      {children}
    </div>
  );
}

/** An order status as a coloured badge with its text. */
export function StatusBadge({ status }: { status: string | undefined }) {
  return <span className={`badge badge-${(status ?? 'unknown').toLowerCase()}`}>{humanize(status)}</span>;
}

/** An error message, announced at once. */
export function ErrorMessage({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <p className="error" role="alert">
      {message}
    </p>
  );
}

/** A success or progress message, announced politely. */
export function StatusMessage({ message }: { message: string | undefined }) {
  return (
    <p className="notice" role="status">
      {message ?? ''}
    </p>
  );
}

/** A table that scrolls sideways on a narrow screen; focusable so the keyboard can scroll it too. */
export function TableRegion({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-region" role="region" aria-label={`${label}, scrollable table`} tabIndex={0}>
      {children}
    </div>
  );
}

/**
 * Previous/next buttons over a cursor-paged list. `cursors` holds the cursor of every page up to the current one
 * (the first is `undefined`), so "Previous" goes back; `nextCursor` is the list's answer for the current page.
 */
export function Pager({
  label,
  cursors,
  nextCursor,
  onChange,
}: {
  label: string;
  cursors: readonly (string | undefined)[];
  nextCursor: string | null | undefined;
  onChange: (update: (list: (string | undefined)[]) => (string | undefined)[]) => void;
}) {
  return (
    <nav className="pager" aria-label={label}>
      <button
        type="button"
        className="secondary"
        disabled={cursors.length <= 1}
        onClick={() => onChange((list) => list.slice(0, -1))}
      >
        Previous page
      </button>
      <span>Page {cursors.length}</span>
      <button
        type="button"
        className="secondary"
        disabled={!nextCursor}
        onClick={() => onChange((list) => [...list, nextCursor ?? undefined])}
      >
        Next page
      </button>
    </nav>
  );
}

/** When the live data was last loaded. */
export function UpdatedAt({ at, error }: { at: Date | undefined; error?: string | undefined }) {
  return (
    <p className="muted small">
      {at ? `Updated ${at.toLocaleTimeString('en-GB')}, refreshes every few seconds` : 'Loading…'}
      {error ? ` · last refresh failed: ${error}` : ''}
    </p>
  );
}

/**
 * Links that download a report in each format (the session cookie authenticates the download; nothing is fetched by
 * the page). `path` is the report's API path with its query string but without `format`.
 */
export function DownloadLinks({ label, path, formats }: { label: string; path: string; formats: readonly string[] }) {
  const join = path.includes('?') ? '&' : '?';
  return (
    <span className="downloads">
      {formats.map((format) => (
        <a
          key={format}
          className="button-link"
          href={`${path}${join}format=${format}`}
          download
          aria-label={`Download ${label} as ${format.toUpperCase()}`}
        >
          {format.toUpperCase()}
        </a>
      ))}
    </span>
  );
}

/**
 * A filter's select: its label, an "any" choice (the empty value) and one option per choice, shown as it is or
 * through `show`.
 */
export function ChoiceField({
  id,
  label,
  any,
  choices,
  value,
  onChange,
  show,
}: {
  id: string;
  label: string;
  any: string;
  choices: readonly string[];
  value: string;
  onChange: (event: { target: { value: string } }) => void;
  show?: (choice: string) => string;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={onChange}>
        <option value="">{any}</option>
        {choices.map((choice) => (
          <option key={choice} value={choice}>
            {show ? show(choice) : choice}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Label and value pairs. */
export function Facts({ items }: { items: readonly [string, ReactNode][] }) {
  return (
    <dl className="facts">
      {items.map(([term, value]) => (
        <div key={term} className="fact">
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
