/**
 * Wires the client into React: one QueryClient (event-driven, so no refetch on focus or interval),
 * the live event subscription, and the throughput series the Overview plots.
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { subscribe } from './client.js';
import { toApiCallError } from './errors.js';
import { LiveUpdates } from './live.js';
import { ThroughputSeries } from '../lib/throughput.js';

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Events keep data fresh (api/live.ts); a query refetches only when an event invalidates it.
        staleTime: Infinity,
        refetchOnWindowFocus: false,
        refetchOnReconnect: false,
        // Once, and only when the app could not be reached; "not found" or a refusal will not change.
        retry: (failures, error) => failures < 1 && ['unreachable', 'internal'].includes(toApiCallError(error).code),
      },
      mutations: { retry: 0 },
    },
  });
}

interface LiveContext {
  live: LiveUpdates;
  throughput: ThroughputSeries;
}

const Live = createContext<LiveContext | null>(null);

export function ApiProvider({ children, client }: { children: ReactNode; client?: QueryClient }) {
  const [value] = useState(() => {
    const queryClient = client ?? createQueryClient();
    const throughput = new ThroughputSeries(Date.now() / 1000);
    return { queryClient, throughput, live: new LiveUpdates(queryClient, throughput) };
  });
  useEffect(() => {
    const unsubscribe = subscribe(value.live.handle);
    return () => {
      unsubscribe();
      value.live.dispose();
    };
  }, [value]);
  return (
    <QueryClientProvider client={value.queryClient}>
      <Live.Provider value={value}>{children}</Live.Provider>
    </QueryClientProvider>
  );
}

export function useLive(): LiveContext {
  const value = useContext(Live);
  if (!value) throw new Error('useLive outside ApiProvider');
  return value;
}
