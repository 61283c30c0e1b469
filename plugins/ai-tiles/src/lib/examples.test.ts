import { buildExamples, usableBaseUrl } from './examples';

describe('usableBaseUrl', () => {
  it('accepts plain http(s) URLs, without trailing slashes', () => {
    expect(usableBaseUrl('https://llm.example.com/v1/')).toBe(
      'https://llm.example.com/v1',
    );
    expect(usableBaseUrl('http://localhost:4000')).toBe(
      'http://localhost:4000',
    );
  });

  it('refuses anything that could break out of a string literal', () => {
    expect(usableBaseUrl(undefined)).toBeUndefined();
    expect(usableBaseUrl('')).toBeUndefined();
    expect(usableBaseUrl(['javascript', 'alert(1)'].join(':'))).toBeUndefined();
    expect(usableBaseUrl('ftp://llm.example.com')).toBeUndefined();
    expect(
      usableBaseUrl('https://x.example.com/"; rm -rf ~; "'),
    ).toBeUndefined();
    expect(usableBaseUrl("https://x.example.com/'+x+'")).toBeUndefined();
    expect(usableBaseUrl('https://x.example.com/$(id)')).toBeUndefined();
    expect(usableBaseUrl('https://x.example.com/`id`')).toBeUndefined();
  });
});

describe('buildExamples', () => {
  it('builds curl, Python and Node examples with the base URL', () => {
    const examples = buildExamples('https://llm.example.com/v1');
    expect(examples.map(e => e.id)).toEqual(['curl', 'python', 'node']);
    const [curl, python, node] = examples;
    expect(curl.code).toContain(
      'curl "https://llm.example.com/v1/chat/completions"',
    );
    expect(curl.code).toContain('Authorization: Bearer $LITELLM_API_KEY');
    expect(python.code).toContain('base_url="https://llm.example.com/v1"');
    expect(python.code).toContain('api_key=os.environ["LITELLM_API_KEY"]');
    expect(node.code).toContain("baseURL: 'https://llm.example.com/v1'");
    expect(node.code).toContain('apiKey: process.env.LITELLM_API_KEY');
    for (const example of examples) {
      expect(example.code).toContain('gpt-4o-mini');
    }
  });

  it('reads the base URL from the environment when none is usable', () => {
    const [curl, python, node] = buildExamples(undefined);
    expect(curl.code).toContain('curl "$LITELLM_BASE_URL/chat/completions"');
    expect(python.code).toContain('base_url=os.environ["LITELLM_BASE_URL"]');
    expect(node.code).toContain('baseURL: process.env.LITELLM_BASE_URL');
  });
});
