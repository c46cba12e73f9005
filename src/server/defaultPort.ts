/** The HTTP port the CLI serves on when `--port` is not given (its own module: the CLI reads it before loading the server). */
export const DEFAULT_PORT = 8090;
