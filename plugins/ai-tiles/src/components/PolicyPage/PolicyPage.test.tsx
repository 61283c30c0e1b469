import { renderInTestApp } from '@backstage/frontend-test-utils';
import { ResponseError } from '@backstage/errors';
import { AiPolicyDocument } from '@internal/plugin-ai-tiles-common';
import { screen } from '@testing-library/react';
import { AiTilesApi, aiTilesApiRef } from '../../api';
import { PolicyPageContent } from './PolicyPage';

function renderPolicy(getPolicy: AiTilesApi['getPolicy']) {
  return renderInTestApp(<PolicyPageContent />, {
    apis: [[aiTilesApiRef, { getPolicy }]],
  });
}

const policy: AiPolicyDocument = {
  version: '2026-11',
  title: 'Acceptable use of AI',
  markdown: [
    '## What you may do',
    '',
    '- Summarise **public** documents',
    '- Draft emails',
    '',
    'Read the [guidelines](https://intranet.example.com/ai).',
    '',
    '<script>window.__pwned = 1</script>',
    '<img src="x" onerror="window.__pwned = 1">',
  ].join('\n'),
};

describe('PolicyPageContent', () => {
  it('renders the policy markdown and its version', async () => {
    const getPolicy = jest.fn().mockResolvedValue(policy);
    const { container } = renderPolicy(getPolicy);

    expect(
      await screen.findByRole('heading', { name: 'Acceptable use of AI' }),
    ).toBeInTheDocument();
    expect(screen.getByTestId('ai-policy-version')).toHaveTextContent(
      'Version 2026-11',
    );
    expect(
      screen.getByRole('heading', { level: 2, name: 'What you may do' }),
    ).toBeInTheDocument();
    expect(screen.getAllByRole('listitem')).toHaveLength(2);
    expect(screen.getByText('public').tagName).toBe('STRONG');
    expect(screen.getByRole('link', { name: /guidelines/ })).toHaveAttribute(
      'href',
      'https://intranet.example.com/ai',
    );
    // Raw HTML in the markdown is sanitised away.
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('img[onerror]')).toBeNull();
    expect((window as any).__pwned).toBeUndefined();
    expect(getPolicy).toHaveBeenCalledTimes(1);
  });

  it('says when no policy is configured', async () => {
    renderPolicy(jest.fn().mockResolvedValue(undefined));
    expect(
      await screen.findByText('No acceptable-use policy is configured'),
    ).toBeInTheDocument();
  });

  it('shows an error panel for other failures', async () => {
    const response = new Response(
      JSON.stringify({
        error: { name: 'Error', message: 'policy file unreadable' },
        request: { method: 'GET', url: '/api/ai-tiles/policy' },
        response: { statusCode: 500 },
      }),
      { status: 500, headers: { 'Content-Type': 'application/json' } },
    );
    const error = await ResponseError.fromResponse(response);
    renderPolicy(jest.fn().mockRejectedValue(error));

    expect(
      await screen.findByText(/Could not load the acceptable-use policy/),
    ).toBeInTheDocument();
    expect(
      screen.getAllByText(/policy file unreadable/).length,
    ).toBeGreaterThan(0);
  });
});
