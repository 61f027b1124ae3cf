/// <reference types="vite/client" />
// Tests read shaders/*.wgsl directly (no embed step), through Vite's raw imports.
const files = import.meta.glob('../../shaders/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
export const SOURCES: Record<string, string> = Object.fromEntries(
  Object.entries(files).map(([path, text]) => [path.replace(/^.*\//, '').replace(/\.wgsl$/, ''), text]),
);
