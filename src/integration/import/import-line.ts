import { Transform, plainToInstance } from 'class-transformer';
import { IsIn, IsString, Matches, validateSync } from 'class-validator';
import { ID_PATTERN } from '../../common/ids';
import type { PlatformProfile } from '../../profiles/profiles.service';
import type { PlatformUser } from '../../users/users.service';
import { PlatformProfileFieldsDto } from '../dto/integration-profile.dto';
import { PlatformUserFieldsDto } from '../dto/integration-user.dto';

const toText = ({ value }: { value: unknown }) => (typeof value === 'number' ? String(value) : value);

/** `{"type":"user","id":…}` + the fields of PUT /integration/users/:id, checked by the same rules. */
class UserLine extends PlatformUserFieldsDto {
  @IsIn(['user'])
  type: 'user';

  @Transform(toText)
  @Matches(ID_PATTERN, { message: 'id must be a positive integer id (at most 18 digits)' })
  @IsString({ message: 'id is required' })
  id: string;
}

/** `{"type":"profile","id":…}` + the fields of PUT /integration/profiles/:id. */
class ProfileLine extends PlatformProfileFieldsDto {
  @IsIn(['profile'])
  type: 'profile';

  @Transform(toText)
  @Matches(ID_PATTERN, { message: 'id must be a positive integer id (at most 18 digits)' })
  @IsString({ message: 'id is required' })
  id: string;
}

export type ImportLine = { type: 'user'; user: PlatformUser } | { type: 'profile'; profile: PlatformProfile } | { error: string };

/**
 * One line of the import, read and checked as the PUT routes check their bodies (the same DTO
 * rules): a user, a profile, or the reason it is refused (`CODE: why`).
 */
export function parseImportLine(text: string): ImportLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'MALFORMED_JSON: the line is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'VALIDATION_FAILED: a line must be a JSON object' };
  const fields = value as Record<string, unknown>;
  // No text column can store U+0000 (PostgreSQL refuses it): refused here, as the API's body parser does.
  if (text.includes('\\u0000') && Object.values(fields).some((field) => typeof field === 'string' && field.includes('\0'))) {
    return { error: 'VALIDATION_FAILED: the line contains a NUL character (\\u0000), which no field accepts' };
  }
  if (fields.type === 'user') {
    const line = checked(UserLine, fields);
    if ('error' in line) return line;
    return { type: 'user', user: { id: line.id, role: line.role, name: line.name, email: line.email } };
  }
  if (fields.type === 'profile') {
    const line = checked(ProfileLine, fields);
    if ('error' in line) return line;
    return { type: 'profile', profile: { id: line.id, name: line.name, moderatorId: line.moderator_id, active: line.active } };
  }
  return { error: 'VALIDATION_FAILED: type must be "user" or "profile"' };
}

function checked<T extends object>(type: new () => T, fields: Record<string, unknown>): T | { error: string } {
  const instance = plainToInstance(type, fields);
  const [problem] = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true });
  if (!problem) return instance;
  const message = problem.constraints ? Object.values(problem.constraints)[0] : `${problem.property} is not valid`;
  return { error: `VALIDATION_FAILED: ${message}` };
}
