import { Role } from '../users/user-role';

/** The caller of a request, as loaded from the database (never from the token alone). */
export interface AuthUser {
  id: string;
  role: Role;
  /** Null when the platform did not share it. */
  email: string | null;
}
