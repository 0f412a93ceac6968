/**
 * The few Electron main-process APIs that docs/electron.md uses, with the signatures of Electron's own
 * `electron.d.ts` (Electron 25+), so its samples typecheck without installing Electron (whose package
 * downloads a binary on install).
 */
declare module 'electron' {
  interface CustomScheme {
    scheme: string;
    privileges?: { standard?: boolean; secure?: boolean; supportFetchAPI?: boolean; corsEnabled?: boolean; stream?: boolean };
  }
  export const app: { whenReady(): Promise<void>; getPath(name: 'userData'): string };
  export const protocol: {
    registerSchemesAsPrivileged(customSchemes: CustomScheme[]): void;
    handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void;
  };
  export const net: { fetch(input: string | Request, init?: RequestInit): Promise<Response> };
}
