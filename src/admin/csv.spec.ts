import { csvLine } from './csv';

describe('csv', () => {
  it('quotes only the fields that need it, doubling quotes, and ends lines with CRLF', () => {
    expect(csvLine(['plain', 12, null, 'a,b', 'say "hi"', 'two\nlines'])).toBe('plain,12,,"a,b","say ""hi""","two\nlines"\r\n');
  });
});
