import { useEffect, useState } from 'react';

/**
 * The current time in seconds, renewed every `everyMs`: a clock for "12 s ago" texts and sliding
 * chart windows. It fetches nothing; data still arrives only through events.
 */
export function useNow(everyMs = 10_000): number {
  const [now, setNow] = useState(() => Date.now() / 1000);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now() / 1000), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
