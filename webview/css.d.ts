/** esbuild bundles imported .css files into dist/webview/app.css; the import itself yields nothing. */
declare module '*.css';
