import { session, signOut } from './session';
import type {
  ApiErrorBody,
  CheckoutRequest,
  CheckoutResponse,
  DemoSession,
  ModeratorPoints,
  MyPayoutDetails,
  Page,
  Payout,
  PayoutDetails,
  PayoutDetailsRequest,
  PayoutRun,
  ProfilePoints,
  StoredNotification,
  Transaction,
} from './types';

/** Empty: the API is the origin that served this page. Set VITE_API_BASE_URL to build for another one. */
const API_BASE_URL: string = import.meta.env.VITE_API_BASE_URL ?? '';

/** `code` is the error body's `error` (stable: switch on it), or NETWORK when no answer came back. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly correlationId?: string,
    /** From `Retry-After`, on 429 and 503. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const NETWORK = 'NETWORK';

interface RequestOptions {
  body?: unknown;
  /** false: send no token (the development picker's route is public). */
  authenticated?: boolean;
}

async function request<T>(method: 'GET' | 'POST' | 'PUT', path: string, options: RequestOptions = {}): Promise<T> {
  const token = options.authenticated === false ? undefined : session.current?.token;
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(API_BASE_URL + path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError(0, NETWORK, 'The server could not be reached');
  }
  if (response.ok) return (await response.json()) as T;
  const error = await toApiError(response);
  // An expired or revoked token: forget it, so the page asks the reader to sign in again.
  if (error.status === 401 && token !== undefined) signOut('error.UNAUTHORIZED');
  throw error;
}

/** A file the API answers (a statement, a payout file), fetched with the bearer token: its bytes and its name. */
export interface DownloadedFile {
  blob: Blob;
  filename: string;
}

async function download(path: string, fallbackName: string): Promise<DownloadedFile> {
  const token = session.current?.token;
  let response: Response;
  try {
    response = await fetch(API_BASE_URL + path, { headers: token === undefined ? {} : { Authorization: `Bearer ${token}` } });
  } catch {
    throw new ApiError(0, NETWORK, 'The server could not be reached');
  }
  if (!response.ok) {
    const error = await toApiError(response);
    if (error.status === 401 && token !== undefined) signOut('error.UNAUTHORIZED');
    throw error;
  }
  const disposition = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') ?? '');
  return { blob: await response.blob(), filename: disposition?.[1] ?? fallbackName };
}

async function toApiError(response: Response): Promise<ApiError> {
  let body: Partial<ApiErrorBody> = {};
  try {
    body = (await response.json()) as Partial<ApiErrorBody>;
  } catch {
    // Not the service's JSON (a proxy's error page): the status alone decides.
  }
  const code = typeof body.error === 'string' ? body.error : response.status >= 500 ? 'SERVER' : `HTTP_${response.status}`;
  const retryAfter = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
  return new ApiError(
    response.status,
    code,
    body.message ?? response.statusText,
    body.correlationId ?? response.headers.get('X-Request-Id') ?? undefined,
    Number.isFinite(retryAfter) ? retryAfter : undefined,
  );
}

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) search.set(name, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

const segment = encodeURIComponent;

/** Every call this client makes: the public REST API, nothing else. */
export const api = {
  profilePoints: (profileId: string) => request<ProfilePoints>('GET', `/profile/${segment(profileId)}/points`),
  checkout: (body: CheckoutRequest) => request<CheckoutResponse>('POST', '/profile-points/checkout', { body }),
  purchaseOfSession: (sessionId: string) => request<Transaction>('GET', `/profile-points/success${query({ session_id: sessionId })}`),
  clientTransactions: (cursor?: string, limit = 10) =>
    request<Page<Transaction>>('GET', `/profile-points/transactions/client${query({ cursor, limit })}`),
  profileTransactions: (profileId: string, cursor?: string, limit = 10) =>
    request<Page<Transaction>>('GET', `/profile-points/transactions/profile/${segment(profileId)}${query({ cursor, limit })}`),
  moderatorPoints: (cursor?: string, limit = 10) => request<ModeratorPoints>('GET', `/moderators/me/points${query({ cursor, limit })}`),
  notifications: (limit = 10) => request<Page<StoredNotification>>('GET', `/notifications${query({ limit })}`),
  demoSession: () => request<DemoSession>('GET', '/dev/demo-session', { authenticated: false }),
  payoutDetails: () => request<MyPayoutDetails>('GET', '/moderators/me/payout-details'),
  setPayoutDetails: (body: PayoutDetailsRequest) => request<PayoutDetails>('PUT', '/moderators/me/payout-details', { body }),
  statement: (month: string, format: 'pdf' | 'csv' | 'json', lang: 'en' | 'fr') =>
    download(`/moderators/me/statements/${segment(month)}${query({ format, lang })}`, `statement-${month}.${format}`),
  payoutRuns: (cursor?: string, limit = 10) => request<Page<PayoutRun>>('GET', `/admin/payout-runs${query({ cursor, limit })}`),
  createPayoutRun: (until: string) => request<PayoutRun>('POST', '/admin/payout-runs', { body: { until } }),
  payoutRunFile: (runId: string, format: 'csv' | 'sepa') =>
    download(`/admin/payout-runs/${segment(runId)}/file${query({ format })}`, `payout-run-${runId}.${format === 'sepa' ? 'xml' : 'csv'}`),
  markPayoutPaid: (payoutId: string) => request<Payout>('POST', `/admin/payouts/${segment(payoutId)}/paid`),
  cancelPayout: (payoutId: string) => request<Payout>('POST', `/admin/payouts/${segment(payoutId)}/cancel`),
};

/** Hands a downloaded file to the browser, as a link to it with `download` would. */
export function saveFile(file: DownloadedFile): void {
  const url = URL.createObjectURL(file.blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = file.filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
