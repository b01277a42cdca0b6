/**
 * The routes of probes and scrapes (health and metrics): answered while the instance drains, logged
 * at debug when they succeed, and never given the 503s of draining or of a busy database.
 */
export const OPERATIONS_PATHS: ReadonlySet<string> = new Set(['/health', '/health/live', '/health/ready', '/metrics']);
