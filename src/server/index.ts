/** HTTP: the JSON API, the UI pages, events; startInBackground. */
export { startServer, DEFAULT_PORT, type RunningServer, type ServerOptions } from './server';
export { createApp, PAGE_PATHS } from './app';
export { HttpError } from './httpError';
