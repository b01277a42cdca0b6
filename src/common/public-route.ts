/**
 * The metadata key of a route that needs no bearer token (`@Public()` of the auth module sets it):
 * the auth guard lets such a route through, the OpenAPI document gives it an empty `security`.
 */
export const IS_PUBLIC = 'auth:public';
