/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Another origin to call the API on; unset: the origin that served the page. */
  readonly VITE_API_BASE_URL?: string;
}

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
