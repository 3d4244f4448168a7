// Vite's `?url` import: the built asset's public URL (/assets/<name>-<hash>.<ext>).
declare module '*.wasm?url' {
  const url: string;
  export default url;
}
