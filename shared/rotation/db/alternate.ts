import { secretFormatError } from '../strategies/json-secret';

/** The suffix of the second user in alternating-users rotation, as in AWS's templates. */
export const CLONE_SUFFIX = '_clone';

/** The other user of the pair: `app` ⇄ `app_clone`. */
export function alternateUser(username: string): string {
  return username.endsWith(CLONE_SUFFIX) ? username.slice(0, -CLONE_SUFFIX.length) : `${username}${CLONE_SUFFIX}`;
}

/** Refuses a user name the engine cannot hold once `_clone` is added. */
export function checkUserNameLength(secretName: string, username: string, max: number, engine: string): void {
  if (username.length > max) {
    throw secretFormatError(secretName, 'pending', `would need user ${username}, longer than ${engine}'s ${max}-character limit for user names`);
  }
}
