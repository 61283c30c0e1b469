import { isHttpUrl } from '@internal/plugin-ai-tiles-common';

/** Environment variable the examples read the key from: keys never end up in snippets. */
export const API_KEY_ENV = 'LITELLM_API_KEY';
/** Environment variable of the API address when the portal does not publish one. */
export const BASE_URL_ENV = 'LITELLM_BASE_URL';
/** Model the examples use: the portal does not tell which models are offered. */
export const EXAMPLE_MODEL = 'gpt-4o-mini';

export type ExampleId = 'curl' | 'python' | 'node';

export interface CodeExample {
  id: ExampleId;
  label: string;
  /** Language for syntax highlighting. */
  language: string;
  code: string;
}

/**
 * The API base URL if it can be pasted into shell, Python and JavaScript
 * string literals as is: an absolute http(s) URL without quotes, backslashes,
 * `$`, backticks or whitespace. Anything else falls back to an environment
 * variable, so a copied snippet can never run something unexpected.
 */
export function usableBaseUrl(
  apiBaseUrl: string | undefined,
): string | undefined {
  if (!apiBaseUrl || !isHttpUrl(apiBaseUrl)) {
    return undefined;
  }
  if (/[\s"'`$\\<>{}]/.test(apiBaseUrl)) {
    return undefined;
  }
  return apiBaseUrl.replace(/\/+$/, '');
}

/**
 * curl / Python / Node snippets calling the OpenAI-compatible API with the
 * employee's key from `$LITELLM_API_KEY` (never the key itself).
 */
export function buildExamples(apiBaseUrl: string | undefined): CodeExample[] {
  const baseUrl = usableBaseUrl(apiBaseUrl);
  const curlBase = baseUrl ?? `$${BASE_URL_ENV}`;
  const pythonBase = baseUrl ? `"${baseUrl}"` : `os.environ["${BASE_URL_ENV}"]`;
  const nodeBase = baseUrl ? `'${baseUrl}'` : `process.env.${BASE_URL_ENV}`;

  return [
    {
      id: 'curl',
      label: 'curl',
      language: 'bash',
      code: [
        `curl "${curlBase}/chat/completions" \\`,
        `  -H "Authorization: Bearer $${API_KEY_ENV}" \\`,
        `  -H "Content-Type: application/json" \\`,
        `  -d '{`,
        `    "model": "${EXAMPLE_MODEL}",`,
        `    "messages": [{ "role": "user", "content": "Hello!" }]`,
        `  }'`,
      ].join('\n'),
    },
    {
      id: 'python',
      label: 'Python',
      language: 'python',
      code: [
        '# pip install openai',
        'import os',
        '',
        'from openai import OpenAI',
        '',
        'client = OpenAI(',
        `    base_url=${pythonBase},`,
        `    api_key=os.environ["${API_KEY_ENV}"],`,
        ')',
        '',
        'response = client.chat.completions.create(',
        `    model="${EXAMPLE_MODEL}",`,
        '    messages=[{"role": "user", "content": "Hello!"}],',
        ')',
        'print(response.choices[0].message.content)',
      ].join('\n'),
    },
    {
      id: 'node',
      label: 'Node.js',
      language: 'javascript',
      code: [
        '// npm install openai',
        "import OpenAI from 'openai';",
        '',
        'const client = new OpenAI({',
        `  baseURL: ${nodeBase},`,
        `  apiKey: process.env.${API_KEY_ENV},`,
        '});',
        '',
        'const response = await client.chat.completions.create({',
        `  model: '${EXAMPLE_MODEL}',`,
        "  messages: [{ role: 'user', content: 'Hello!' }],",
        '});',
        'console.log(response.choices[0].message.content);',
      ].join('\n'),
    },
  ];
}
