import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { captureCrewToken } from './lib/crewToken';
import './lib/prefs';
import './styles.css';
import { App } from './App';

// First thing: take a crew token out of the address bar before anything can copy the URL.
captureCrewToken();

// The app shell offline (crew pages reopen with no connection). Only in secure contexts
// (https or localhost): elsewhere the browser has no service workers and this does nothing.
if ('serviceWorker' in navigator && import.meta.env.PROD)
  void navigator.serviceWorker.register('/sw.js').catch(() => {});

const queryClient = new QueryClient({
  defaultOptions: { queries: { refetchOnWindowFocus: true, retry: 1 } },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
