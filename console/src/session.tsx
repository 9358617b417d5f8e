// The signed-in session as React context: who is signed in, sign-in and sign-out. The session itself is the
// HttpOnly cookie the API set; this only keeps what GET /v1/session answered (never the API key).

import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { api, onSessionEnded, setCsrfToken, unwrap } from './api/client';
import type { SchemaSession } from './api/schema';

interface SessionState {
  session: SchemaSession | undefined;
  checking: boolean;
  /** Why the last session ended, shown on the sign-in page. */
  endedReason: string | undefined;
  signIn(apiKey: string): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionState | undefined>(undefined);

/** Provides the session to the app; asks the API for an existing one (the cookie) once at start. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<SchemaSession>();
  const [checking, setChecking] = useState(true);
  const [endedReason, setEndedReason] = useState<string>();

  const adopt = useCallback((next: SchemaSession | undefined) => {
    setCsrfToken(next?.csrfToken);
    setSession(next);
  }, []);

  useEffect(() => {
    let live = true;
    void api
      .GET('/v1/session')
      .then((result) => {
        if (live && result.data) adopt(result.data);
      })
      .finally(() => live && setChecking(false));
    return () => {
      live = false;
    };
  }, [adopt]);

  useEffect(
    () =>
      onSessionEnded(() => {
        adopt(undefined);
        setEndedReason('Your session has ended. Sign in again.');
      }),
    [adopt],
  );

  const signIn = useCallback(
    async (apiKey: string) => {
      const created = unwrap(await api.POST('/v1/session', { body: { apiKey } }));
      setEndedReason(undefined);
      adopt(created);
    },
    [adopt],
  );

  const signOut = useCallback(async () => {
    await api.DELETE('/v1/session');
    adopt(undefined);
    setEndedReason('You are signed out.');
  }, [adopt]);

  const value = useMemo(
    () => ({ session, checking, endedReason, signIn, signOut }),
    [session, checking, endedReason, signIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/** The session context. */
export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside SessionProvider');
  return state;
}

/** The signed-in party (only inside signed-in pages). */
export function useParty(): SchemaSession['party'] & { workflowUrlTemplate: string | null } {
  const { session } = useSession();
  if (!session) throw new Error('useParty without a session');
  return { ...session.party, workflowUrlTemplate: session.workflowUrlTemplate };
}
