// Types for postgres.mjs, so TypeScript tests can import it.
export declare function postgresUrl(): string;
export declare function pingPostgres(url?: string, timeoutMs?: number): Promise<boolean>;
export declare function installPostgresIfMissing(): boolean;
export declare function ensurePostgres(): Promise<{ started: boolean; url: string }>;
export declare function stopPostgres(options?: { removeData?: boolean }): boolean;
