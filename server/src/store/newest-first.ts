// The lists of classes and of interviews: one account's or (null) everyone's, the newest first, bounded so an
// old account's page stays small.
export const LIST_MAX = 500;

/** That list's SELECT; `param` is the backend's placeholder for the account's id. */
export function newestFirst(table: string, columns: string, ofStaff: boolean, param = '?'): string {
  return `SELECT ${columns} FROM ${table}${ofStaff ? ` WHERE staff_id = ${param}` : ''} ORDER BY created_at DESC LIMIT ${LIST_MAX}`;
}
