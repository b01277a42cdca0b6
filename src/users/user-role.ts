/** What a user may do: the `role` claim of their token and the `users.role` column. */
export enum Role {
  Client = 'client',
  Moderator = 'moderator',
  Admin = 'admin',
}
