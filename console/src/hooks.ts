// Data hooks: load a resource, and load it again every few seconds while the page is open (the console's live
// updates), without overlapping requests or updating an unmounted page.

import { useCallback, useEffect, useRef, useState } from 'react';
import { messageOf } from './api/client';

/** How often live pages ask again. */
export const POLL_MS = 3000;

/** The state of a loaded resource. */
export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  updatedAt: Date | undefined;
  reload: () => Promise<void>;
}

/** Loads `load()` now, whenever `deps` change, and every `pollMs` when given. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[], pollMs?: number): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [updatedAt, setUpdatedAt] = useState<Date>();
  const running = useRef(false);
  const generation = useRef(0);
  const stableLoad = useCallback(load, deps);

  const reload = useCallback(async () => {
    if (running.current) return;
    running.current = true;
    const mine = generation.current;
    try {
      const value = await stableLoad();
      if (mine !== generation.current) return;
      setData(value);
      setError(undefined);
      setUpdatedAt(new Date());
    } catch (failure) {
      if (mine === generation.current) setError(messageOf(failure));
    } finally {
      running.current = false;
      if (mine === generation.current) setLoading(false);
    }
  }, [stableLoad]);

  useEffect(() => {
    generation.current += 1;
    running.current = false;
    setLoading(true);
    void reload();
    if (!pollMs)
      return () => {
        generation.current += 1;
      };
    const timer = window.setInterval(() => void reload(), pollMs);
    return () => {
      generation.current += 1;
      window.clearInterval(timer);
    };
  }, [reload, pollMs]);

  return { data, error, loading, updatedAt, reload };
}
