/* eslint-disable no-script-url -- these tests feed script URLs to prove they are refused */
import { isHttpUrl } from './url';

describe('isHttpUrl', () => {
  it.each(['https://chat.localhost', 'http://localhost:8080/x?y=1#z'])(
    'accepts %s',
    url => expect(isHttpUrl(url)).toBe(true),
  );

  it.each([
    'javascript:alert(1)',
    ' javascript:alert(1)',
    'data:text/html;base64,PHNjcmlwdD4=',
    'mailto:a@example.com',
    'ftp://example.com',
    'http://',
    '',
    undefined,
    42,
  ])('refuses %p', url => expect(isHttpUrl(url)).toBe(false));
});
