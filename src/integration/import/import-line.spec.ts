import { parseImportLine } from './import-line';

describe(parseImportLine.name, () => {
  it('reads a user line with the rules of PUT /integration/users/:id (ids as strings or numbers)', () => {
    expect(parseImportLine('{"type":"user","id":42,"role":"moderator","name":"Léa","email":"lea@example.com"}')).toEqual({
      type: 'user',
      user: { id: '42', role: 'moderator', name: 'Léa', email: 'lea@example.com' },
    });
    expect(parseImportLine('{"type":"user","id":"7","role":"client","email":null}')).toEqual({ type: 'user', user: { id: '7', role: 'client', name: undefined, email: null } });
  });

  it('reads a profile line with the rules of PUT /integration/profiles/:id', () => {
    expect(parseImportLine('{"type":"profile","id":"7","name":"Sophie","moderator_id":3,"active":false}')).toEqual({
      type: 'profile',
      profile: { id: '7', name: 'Sophie', moderatorId: '3', active: false },
    });
    expect(parseImportLine('{"type":"profile","id":"8","name":"Zoé","moderator_id":null}')).toMatchObject({ profile: { moderatorId: null, active: undefined } });
  });

  it.each([
    ['{"type":"user","id":"1"', /^MALFORMED_JSON/],
    ['"user"', /a line must be a JSON object/],
    ['[]', /a line must be a JSON object/],
    ['{"id":"1","role":"client"}', /type must be "user" or "profile"/],
    ['{"type":"user","id":"0","role":"client"}', /id must be a positive integer/],
    ['{"type":"user","id":"1234567890123456789","role":"client"}', /id must be a positive integer/],
    ['{"type":"user","id":1.5,"role":"client"}', /id/],
    ['{"type":"user","id":"1","role":"owner"}', /role must be one of/],
    ['{"type":"user","id":"1","role":"client","points":100}', /property points should not exist/],
    ['{"type":"user","id":"1","role":"client","name":"a\\u0000b"}', /NUL character/],
    ['{"type":"profile","id":"1","name":"x"}', /moderator_id must be a user id or null/],
    ['{"type":"profile","id":"1","name":"x","moderator_id":"3","active":"yes"}', /active must be true or false/],
    ['{"type":"profile","id":"1","name":"","moderator_id":null}', /name must not be empty/],
  ])('refuses %s', (line, reason) => {
    const parsed = parseImportLine(line);
    expect('error' in parsed && parsed.error).toMatch(reason);
  });
});
