/** Scouter's permission check: `<kind>:<space>`, `<kind>:all`, or the `admin` group. */

/** The identity a protected request runs as. */
export interface UserPermissions {
  username: string;
  permissions: string[];
  groupPermissions: string[];
}

function has(user: UserPermissions, kind: 'read' | 'write' | 'delete', space: string): boolean {
  return (
    user.permissions.includes(`${kind}:${space}`) ||
    user.groupPermissions.includes('admin') ||
    user.permissions.includes(`${kind}:all`)
  );
}

/** Read permission on a space. */
export function hasReadPermission(user: UserPermissions, space: string): boolean {
  return has(user, 'read', space);
}

/** Write permission on a space. */
export function hasWritePermission(user: UserPermissions, space: string): boolean {
  return has(user, 'write', space);
}
