import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import {
  AI_KEY_NOT_READY_ERROR,
  AiAccessSummary,
} from '@internal/plugin-ai-tiles-common';
import {
  act,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  mockAiTilesApi,
  notConfiguredSummary,
  POLICY_TITLE,
  policyRequiredSummary,
  readySummary,
  refused,
  responseError,
} from '../../__testUtils__/access';
import { AiTilesApi, aiTilesApiRef } from '../../api';
import { policyRouteRef } from '../../routes';
import { REVEAL_MS } from './KeyPanel';
import { MyAccessPageContent } from './MyAccessPage';

const RAW_KEY = 'sk-raw-secret-key-1234';

function renderAccess(overrides: Partial<AiTilesApi> = {}) {
  const api = mockAiTilesApi(overrides);
  const alertApi = mockApis.alert();
  const rendered = renderInTestApp(<MyAccessPageContent />, {
    apis: [[aiTilesApiRef, api], alertApi],
    mountedRoutes: { '/ai/policy': policyRouteRef },
  });
  return { ...rendered, api, alertApi };
}

const withSummary = (summary: AiAccessSummary) => ({
  getMyAccess: jest.fn(async () => summary),
});

/** Opens the policy dialog, waits for the policy and presses "I accept". */
async function acceptInDialog() {
  await userEvent.click(await screen.findByTestId('ai-access-open-policy'));
  await screen.findByTestId('ai-access-policy-document');
  await userEvent.click(screen.getByTestId('ai-access-policy-accept'));
}

/** Presses "Rotate key", then confirms in the dialog. */
async function rotateAndConfirm() {
  await userEvent.click(await screen.findByTestId('ai-access-rotate-key'));
  await userEvent.click(await screen.findByTestId('ai-access-rotate-confirm'));
}

const KEY_NOT_READY =
  'Your acceptance of policy version 2026-11 is recorded, but your AI key could not be set up: LiteLLM is not reachable.';

/** The backend recorded the acceptance but could not set up the key. */
const keyNotReady = () =>
  responseError(503, KEY_NOT_READY, AI_KEY_NOT_READY_ERROR);

/** The page loads ready; the next load says policy version 2026-12 is out. */
const readyThenNewPolicy = () =>
  jest
    .fn()
    .mockResolvedValueOnce(readySummary())
    .mockResolvedValueOnce(
      policyRequiredSummary({ version: '2026-12', acceptedVersion: '2026-11' }),
    );

describe('MyAccessPageContent', () => {
  describe('loading and errors', () => {
    it('shows progress while loading', async () => {
      renderAccess({ getMyAccess: () => new Promise<never>(() => {}) });
      expect(await screen.findByTestId('ai-access-loading')).toBeVisible();
    });

    it("shows the backend's 503 message in an error panel, with retry", async () => {
      const getMyAccess = jest
        .fn()
        .mockRejectedValueOnce(
          await responseError(
            503,
            'LiteLLM is not reachable right now',
            'ServiceUnavailableError',
          ),
        )
        .mockResolvedValueOnce(readySummary());
      renderAccess({ getMyAccess });

      const panel = await screen.findByTestId('ai-access-error');
      expect(panel).toHaveTextContent(
        'Could not load your AI access: LiteLLM is not reachable right now',
      );
      expect(panel).not.toHaveTextContent(/session/i);
      expect(screen.queryByTestId('ai-access-masked-key')).toBeNull();

      await userEvent.click(screen.getByTestId('ai-access-retry'));
      expect(
        await screen.findByTestId('ai-access-masked-key'),
      ).toHaveTextContent('sk-...a1b2');
      expect(getMyAccess).toHaveBeenCalledTimes(2);
    });

    it('shows a malformed-response error as such', async () => {
      renderAccess({
        getMyAccess: jest.fn(async () => {
          throw new Error(
            'The AI access summary from the ai-tiles backend is malformed (status)',
          );
        }),
      });
      expect(await screen.findByTestId('ai-access-error')).toHaveTextContent(
        'malformed (status)',
      );
    });
  });

  describe('not configured', () => {
    it('lists the configuration keys to set, and no fake data', async () => {
      renderAccess(withSummary(notConfiguredSummary()));
      const panel = await screen.findByTestId('ai-access-not-configured');
      expect(panel).toHaveTextContent(
        'AI access is not set up in this portal yet',
      );
      const keys = within(
        screen.getByTestId('ai-access-missing-config'),
      ).getAllByRole('listitem');
      expect(keys.map(k => k.textContent)).toEqual([
        'aiTiles.litellm.baseUrl',
        'aiTiles.litellm.masterKey',
      ]);
      expect(screen.queryByTestId('ai-access-budget')).toBeNull();
      expect(screen.queryByTestId('ai-access-key')).toBeNull();
      expect(screen.queryByTestId('ai-access-examples')).toBeNull();
    });

    it('renders backend text as text', async () => {
      const { container } = renderAccess(
        withSummary(notConfiguredSummary(['<img src=x onerror="alert(1)">'])),
      );
      expect(
        await screen.findByText('<img src=x onerror="alert(1)">'),
      ).toBeInTheDocument();
      expect(container.querySelector('img')).toBeNull();
    });
  });

  describe('policy required', () => {
    it('explains, shows the policy, accepts the displayed version, then shows the key', async () => {
      const getPolicy = jest.fn(async () => ({
        version: '2026-12',
        title: 'Acceptable use of AI, December edition',
        markdown: 'Never paste **secrets**.',
      }));
      const acceptPolicy = jest.fn(async () =>
        readySummary({
          policy: {
            version: '2026-12',
            title: POLICY_TITLE,
            acceptedVersion: '2026-12',
            acceptedAt: '2026-12-02T12:00:00.000Z',
            accepted: true,
          },
        }),
      );
      const { alertApi } = renderAccess({
        ...withSummary(policyRequiredSummary()),
        getPolicy,
        acceptPolicy,
      });

      const panel = await screen.findByTestId('ai-access-policy-required');
      expect(panel).toHaveTextContent(
        `you need to accept the current acceptable-use policy: ${POLICY_TITLE} (version 2026-11)`,
      );
      expect(screen.queryByTestId('ai-access-key')).toBeNull();
      expect(getPolicy).not.toHaveBeenCalled();

      await userEvent.click(screen.getByTestId('ai-access-open-policy'));
      const dialog = await screen.findByRole('dialog', {
        name: 'Acceptable use of AI',
      });
      expect(screen.getByTestId('ai-access-policy-dialog')).toContainElement(
        dialog,
      );
      expect(
        await within(dialog).findByTestId('ai-access-policy-version'),
      ).toHaveTextContent('Version 2026-12');
      expect(within(dialog).getByText('secrets').tagName).toBe('STRONG');

      await userEvent.click(
        within(dialog).getByTestId('ai-access-policy-accept'),
      );
      // The version the employee saw, not the one the summary named.
      expect(acceptPolicy).toHaveBeenCalledWith('2026-12');
      expect(
        await screen.findByTestId('ai-access-masked-key'),
      ).toHaveTextContent('sk-...a1b2');
      await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
      expect(screen.queryByTestId('ai-access-policy-required')).toBeNull();
      expect(screen.getByTestId('ai-access-policy-status')).toHaveTextContent(
        `You accepted ${POLICY_TITLE} version 2026-12 on 2 December 2026.`,
      );
      expect(alertApi.getAlerts()).toEqual([
        expect.objectContaining({ severity: 'success' }),
      ]);
    });

    it('cancel closes the dialog without accepting', async () => {
      const { api } = renderAccess(withSummary(policyRequiredSummary()));
      await userEvent.click(await screen.findByTestId('ai-access-open-policy'));
      await screen.findByTestId('ai-access-policy-document');
      await userEvent.click(screen.getByTestId('ai-access-policy-cancel'));
      await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
      expect(api.acceptPolicy).not.toHaveBeenCalled();
      expect(screen.getByTestId('ai-access-policy-required')).toBeVisible();
    });

    it('reloads the policy and asks again when it changed meanwhile (409)', async () => {
      const getPolicy = jest
        .fn()
        .mockResolvedValueOnce({
          version: '2026-11',
          title: POLICY_TITLE,
          markdown: 'Old text',
        })
        .mockResolvedValue({
          version: '2026-12',
          title: POLICY_TITLE,
          markdown: 'New text',
        });
      const acceptPolicy = jest
        .fn()
        .mockRejectedValueOnce(
          await responseError(409, 'Policy version 2026-11 is outdated'),
        )
        .mockResolvedValueOnce(readySummary());
      const getMyAccess = jest.fn(async () => policyRequiredSummary());
      renderAccess({ getMyAccess, getPolicy, acceptPolicy });

      await userEvent.click(await screen.findByTestId('ai-access-open-policy'));
      expect(await screen.findByText('Old text')).toBeInTheDocument();
      await userEvent.click(screen.getByTestId('ai-access-policy-accept'));
      expect(acceptPolicy).toHaveBeenLastCalledWith('2026-11');

      expect(
        await screen.findByTestId('ai-access-policy-changed'),
      ).toHaveTextContent('The policy was updated while you were reading it');
      expect(await screen.findByText('New text')).toBeInTheDocument();
      expect(screen.getByRole('dialog')).toBeVisible();
      // The page's summary is refreshed in the background too.
      await waitFor(() => expect(getMyAccess).toHaveBeenCalledTimes(2));

      await userEvent.click(screen.getByTestId('ai-access-policy-accept'));
      expect(acceptPolicy).toHaveBeenLastCalledWith('2026-12');
      expect(await screen.findByTestId('ai-access-masked-key')).toBeVisible();
    });

    it('shows other accept failures in the dialog', async () => {
      renderAccess({
        ...withSummary(policyRequiredSummary()),
        acceptPolicy: refused(503, 'LiteLLM is not reachable'),
      });
      await acceptInDialog();
      expect(
        await screen.findByTestId('ai-access-policy-error'),
      ).toHaveTextContent(
        'Could not accept the policy: LiteLLM is not reachable',
      );
      expect(screen.getByRole('dialog')).toBeVisible();
    });

    it('says that an acceptance was recorded when only the key failed, and retries on accept', async () => {
      const acceptPolicy = jest
        .fn()
        .mockRejectedValueOnce(await keyNotReady())
        .mockResolvedValueOnce(readySummary());
      renderAccess({ ...withSummary(policyRequiredSummary()), acceptPolicy });
      await acceptInDialog();
      const notice = await screen.findByTestId(
        'ai-access-policy-key-not-ready',
      );
      expect(notice).toHaveTextContent(KEY_NOT_READY);
      expect(screen.queryByTestId('ai-access-policy-error')).toBeNull();

      await userEvent.click(screen.getByTestId('ai-access-policy-accept'));
      expect(await screen.findByTestId('ai-access-masked-key')).toBeVisible();
      expect(acceptPolicy).toHaveBeenCalledTimes(2);
    });

    it('loads the page again when closed after an acceptance recorded without a key', async () => {
      const getMyAccess = jest
        .fn()
        .mockResolvedValueOnce(policyRequiredSummary())
        .mockResolvedValueOnce(readySummary());
      const acceptPolicy = jest.fn().mockRejectedValueOnce(await keyNotReady());
      renderAccess({ getMyAccess, acceptPolicy });
      await acceptInDialog();
      await screen.findByTestId('ai-access-policy-key-not-ready');
      expect(getMyAccess).toHaveBeenCalledTimes(1);

      await userEvent.click(screen.getByTestId('ai-access-policy-cancel'));
      expect(await screen.findByTestId('ai-access-masked-key')).toBeVisible();
      expect(getMyAccess).toHaveBeenCalledTimes(2);
      expect(screen.queryByTestId('ai-access-policy-required')).toBeNull();
    });

    it('cannot be closed while "I accept" is under way', async () => {
      let answer!: (summary: AiAccessSummary) => void;
      const acceptPolicy = jest.fn(
        () => new Promise<AiAccessSummary>(r => (answer = r)),
      );
      renderAccess({ ...withSummary(policyRequiredSummary()), acceptPolicy });
      await acceptInDialog();
      // Escape inside the dialog (the pressed button is disabled, so focus left it).
      fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' });
      expect(screen.getByTestId('ai-access-policy-dialog')).toBeVisible();
      expect(screen.getByTestId('ai-access-policy-cancel')).toBeDisabled();

      act(() => answer(readySummary()));
      expect(await screen.findByTestId('ai-access-masked-key')).toBeVisible();
      expect(acceptPolicy).toHaveBeenCalledTimes(1);
    });

    it('mentions a previously accepted version', async () => {
      renderAccess(
        withSummary(
          policyRequiredSummary({
            acceptedVersion: '2026-01',
            acceptedAt: '2026-01-15T12:00:00.000Z',
          }),
        ),
      );
      expect(
        await screen.findByTestId('ai-access-policy-required'),
      ).toHaveTextContent(
        'You accepted version 2026-01 on 15 January 2026; the policy has changed since.',
      );
    });
  });

  describe('ready: budget', () => {
    it.each([
      [25, '$25.00 of $50.00 used', '50%', 'normal', 'barNormal'],
      [42.5, '$42.50 of $50.00 used', '85%', 'warning', 'barWarning'],
      [60, '$60.00 of $50.00 used', '120%', 'error', 'barError'],
    ])(
      'spend %d: "%s", %s, %s colour',
      async (spend, text, percent, level, barClass) => {
        renderAccess(withSummary(readySummary({ budget: { spend } })));
        expect(
          await screen.findByTestId('ai-access-budget-text'),
        ).toHaveTextContent(text);
        expect(
          screen.getByTestId('ai-access-budget-percent'),
        ).toHaveTextContent(percent);
        const meter = screen.getByRole('progressbar', { name: 'Budget used' });
        expect(meter).toBe(screen.getByTestId('ai-access-budget-meter'));
        expect(meter).toHaveAttribute('data-level', level);
        expect(meter).toHaveAttribute(
          'aria-valuenow',
          String(Math.min(100, spend * 2)),
        );
        const bar = meter.querySelector('.MuiLinearProgress-bar');
        for (const name of ['barNormal', 'barWarning', 'barError']) {
          const has = new RegExp(`AiTilesBudgetMeter-${name}-`).test(
            bar?.className ?? '',
          );
          expect([name, has]).toEqual([name, name === barClass]);
        }
      },
    );

    it('says when the budget is used up', async () => {
      renderAccess(withSummary(readySummary({ budget: { spend: 60 } })));
      expect(
        await screen.findByText(
          'Your budget is used up: AI requests are refused until it resets.',
        ),
      ).toBeInTheDocument();
    });

    it('does not promise a reset when the budget has no period', async () => {
      renderAccess(
        withSummary(
          readySummary({
            budget: {
              spend: 60,
              budgetDuration: null,
              resetAt: null,
              forecast: null,
            },
          }),
        ),
      );
      expect(
        await screen.findByTestId('ai-access-budget-note'),
      ).toHaveTextContent(
        'Your budget is used up: AI requests are refused. It does not reset on its own',
      );
      expect(screen.queryByTestId('ai-access-budget-reset')).toBeNull();
    });

    it('says that a budget of 0 allows no requests, without a reset date or forecast', async () => {
      renderAccess(
        withSummary(
          readySummary({ budget: { maxBudget: 0, spend: 0, forecast: 0 } }),
        ),
      );
      expect(
        await screen.findByTestId('ai-access-budget-note'),
      ).toHaveTextContent(
        'You have no AI budget: AI requests are refused. Ask your portal administrator if you need one.',
      );
      expect(
        screen.getByRole('progressbar', { name: 'Budget used' }),
      ).toHaveAttribute('data-level', 'error');
      expect(screen.queryByTestId('ai-access-budget-reset')).toBeNull();
      expect(screen.queryByTestId('ai-access-forecast')).toBeNull();
    });

    it('shows "No limit" without a meter when there is no budget limit', async () => {
      renderAccess(
        withSummary(
          readySummary({ budget: { maxBudget: null, forecast: 1000 } }),
        ),
      );
      expect(
        await screen.findByTestId('ai-access-budget-text'),
      ).toHaveTextContent('$12.34 used');
      expect(screen.getByTestId('ai-access-budget-no-limit')).toHaveTextContent(
        'No limit',
      );
      expect(screen.queryByRole('progressbar')).toBeNull();
      expect(screen.getByTestId('ai-access-forecast')).toHaveAttribute(
        'data-level',
        'normal',
      );
    });

    it('shows the reset date and the forecast', async () => {
      renderAccess(withSummary(readySummary({ budget: { forecast: 40 } })));
      expect(
        await screen.findByTestId('ai-access-budget-reset'),
      ).toHaveTextContent('Resets on 1 December 2026');
      const forecast = screen.getByTestId('ai-access-forecast');
      expect(forecast).toHaveTextContent(
        'At this pace: $40.00 by the reset date',
      );
      expect(forecast).toHaveAttribute('data-level', 'normal');
      expect(forecast.className).not.toMatch(/textWarning/);
    });

    it('warns when the forecast exceeds the budget', async () => {
      renderAccess(withSummary(readySummary({ budget: { forecast: 75.5 } })));
      const forecast = await screen.findByTestId('ai-access-forecast');
      expect(forecast).toHaveTextContent(
        'At this pace: $75.50 by the reset date (more than your budget)',
      );
      expect(forecast).toHaveAttribute('data-level', 'warning');
      expect(forecast.className).toMatch(/textWarning/);
    });

    it('shows the policy status line', async () => {
      renderAccess(withSummary(readySummary()));
      const status = await screen.findByTestId('ai-access-policy-status');
      expect(status).toHaveTextContent(
        `You accepted ${POLICY_TITLE} version 2026-11 on 3 November 2026.`,
      );
      expect(
        within(status).getByRole('link', { name: 'Read the policy' }),
      ).toHaveAttribute('href', '/ai/policy');
    });
  });

  describe('ready: key', () => {
    afterEach(() => {
      // Undo the clipboard mocks.
      delete (navigator as { clipboard?: unknown }).clipboard;
      jest.useRealTimers();
    });

    /** The browser's `navigator.clipboard` for one test (undone after it). */
    const giveClipboard = (clipboard: object | undefined) =>
      Object.defineProperty(navigator, 'clipboard', {
        value: clipboard,
        configurable: true,
      });

    /** The copy error, once shown; Copy is usable again by then. */
    const copyError = async () => {
      const error = await screen.findByTestId('ai-access-key-error');
      expect(screen.getByTestId('ai-access-copy-key')).toBeEnabled();
      return error;
    };

    it('shows the masked key and its dates', async () => {
      renderAccess(
        withSummary(
          readySummary({
            key: {
              masked: 'sk-...a1b2',
              alias: 'portal:user:default/jane.doe',
              createdAt: '2026-11-03T12:00:00.000Z',
              rotatedAt: '2026-11-20T12:00:00.000Z',
            },
          }),
        ),
      );
      expect(
        await screen.findByTestId('ai-access-masked-key'),
      ).toHaveTextContent('sk-...a1b2');
      expect(screen.getByTestId('ai-access-key-dates')).toHaveTextContent(
        'Created on 3 November 2026, last rotated on 20 November 2026.',
      );
      expect(screen.queryByText(RAW_KEY)).toBeNull();
    });

    it('reveals the key, then hides it on "Hide"', async () => {
      const { api } = renderAccess(withSummary(readySummary()));
      await userEvent.click(await screen.findByTestId('ai-access-reveal-key'));

      const field = await screen.findByTestId('ai-access-revealed-key');
      expect(field).toHaveValue(RAW_KEY);
      expect(field).toHaveAttribute('readonly');
      expect(api.revealKey).toHaveBeenCalledTimes(1);

      const hide = screen.getByTestId('ai-access-hide-key');
      expect(hide).toHaveTextContent('Hide');
      await userEvent.click(hide);
      expect(screen.queryByTestId('ai-access-revealed-key')).toBeNull();
      expect(screen.queryByDisplayValue(RAW_KEY)).toBeNull();
      // The same button, now "Reveal" again, keeps the keyboard focus.
      expect(screen.getByTestId('ai-access-reveal-key')).toHaveFocus();
    });

    it('hides a revealed key after 60 seconds', async () => {
      jest.useFakeTimers();
      const user = userEvent.setup({
        advanceTimers: jest.advanceTimersByTime,
      });
      renderAccess(withSummary(readySummary()));
      await user.click(await screen.findByTestId('ai-access-reveal-key'));
      expect(await screen.findByTestId('ai-access-revealed-key')).toHaveValue(
        RAW_KEY,
      );

      act(() => jest.advanceTimersByTime(REVEAL_MS - 1000));
      expect(screen.getByTestId('ai-access-revealed-key')).toBeInTheDocument();
      act(() => jest.advanceTimersByTime(1000));
      expect(screen.queryByTestId('ai-access-revealed-key')).toBeNull();
    });

    it('shows reveal errors from the backend', async () => {
      renderAccess({
        ...withSummary(readySummary()),
        revealKey: refused(502, 'LiteLLM answered 500'),
      });
      await userEvent.click(await screen.findByTestId('ai-access-reveal-key'));
      expect(
        await screen.findByTestId('ai-access-key-error'),
      ).toHaveTextContent('Could not reveal your key: LiteLLM answered 500');
    });

    it('shows that a reveal is under way', async () => {
      let giveKey = (_key: string) => {};
      renderAccess({
        ...withSummary(readySummary()),
        revealKey: () =>
          new Promise<string>(resolve => {
            giveKey = resolve;
          }),
      });
      const reveal = await screen.findByTestId('ai-access-reveal-key');
      await userEvent.click(reveal);
      expect(
        within(reveal).getByTestId('ai-access-working'),
      ).toBeInTheDocument();
      expect(reveal).toBeDisabled();
      await act(async () => giveKey(RAW_KEY));
      expect(await screen.findByTestId('ai-access-revealed-key')).toBeVisible();
      expect(screen.queryByTestId('ai-access-working')).toBeNull();
    });

    it('reloads the page when the backend says the policy must be accepted (403)', async () => {
      renderAccess({
        getMyAccess: readyThenNewPolicy(),
        revealKey: refused(403, 'Accept the current policy first'),
      });
      await userEvent.click(await screen.findByTestId('ai-access-reveal-key'));
      expect(
        await screen.findByTestId('ai-access-policy-required'),
      ).toHaveTextContent('(version 2026-12)');
    });

    it('reloads the page when a rotation is refused until the new policy is accepted (403)', async () => {
      renderAccess({
        getMyAccess: readyThenNewPolicy(),
        rotateKey: refused(403, 'Accept the current policy first'),
      });
      await rotateAndConfirm();
      expect(
        await screen.findByTestId('ai-access-policy-required'),
      ).toHaveTextContent('(version 2026-12)');
      await waitFor(() =>
        expect(screen.queryByTestId('ai-access-rotate-dialog')).toBeNull(),
      );
    });

    it('copies the key to the clipboard, revealing it behind the scenes', async () => {
      const writeText = jest.fn(async (_text: string) => {});
      giveClipboard({ writeText });
      const { api, alertApi } = renderAccess(withSummary(readySummary()));

      await userEvent.click(await screen.findByTestId('ai-access-copy-key'));
      await waitFor(() => expect(writeText).toHaveBeenCalledWith(RAW_KEY));
      expect(api.revealKey).toHaveBeenCalledTimes(1);
      // Copied, not shown.
      expect(screen.queryByTestId('ai-access-revealed-key')).toBeNull();
      await waitFor(() =>
        expect(alertApi.getAlerts()).toEqual([
          expect.objectContaining({
            message: 'Your API key was copied to the clipboard.',
            severity: 'success',
          }),
        ]),
      );
    });

    describe('where the browser has ClipboardItem', () => {
      afterEach(() => {
        delete (globalThis as { ClipboardItem?: unknown }).ClipboardItem;
      });

      function mockClipboardItem() {
        class FakeClipboardItem {
          constructor(readonly items: Record<string, Promise<Blob>>) {}
        }
        (globalThis as { ClipboardItem?: unknown }).ClipboardItem =
          FakeClipboardItem;
        const write = jest.fn(async (_items: FakeClipboardItem[]) => {});
        const writeText = jest.fn(async (_text: string) => {});
        giveClipboard({ write, writeText });
        return { write, writeText };
      }
      it('writes to the clipboard within the click, the key following', async () => {
        const { write, writeText } = mockClipboardItem();
        let answer!: (key: string) => void;
        const { alertApi } = renderAccess({
          ...withSummary(readySummary()),
          revealKey: jest.fn(() => new Promise<string>(r => (answer = r))),
        });
        await userEvent.click(await screen.findByTestId('ai-access-copy-key'));
        // Written while the key is still on its way (Safari allows no later write).
        expect(write).toHaveBeenCalledTimes(1);
        await act(async () => answer(RAW_KEY));
        const blob = await write.mock.calls[0][0][0].items['text/plain'];
        expect(blob.type).toBe('text/plain');
        expect(await blob.text()).toBe(RAW_KEY);
        expect(writeText).not.toHaveBeenCalled();
        await waitFor(() =>
          expect(alertApi.getAlerts()).toEqual([
            expect.objectContaining({
              message: 'Your API key was copied to the clipboard.',
            }),
          ]),
        );
        expect(screen.queryByTestId('ai-access-revealed-key')).toBeNull();
      });

      it('recovers when the browser refuses to build the clipboard item', async () => {
        mockClipboardItem();
        (globalThis as { ClipboardItem?: unknown }).ClipboardItem = class {
          constructor() {
            throw new TypeError('Illegal constructor');
          }
        };
        renderAccess(withSummary(readySummary()));
        await userEvent.click(await screen.findByTestId('ai-access-copy-key'));
        expect(await copyError()).toHaveTextContent(
          'Could not copy your key: Illegal constructor',
        );
      });

      it("says why when the key could not be fetched, not the clipboard's error", async () => {
        const { write } = mockClipboardItem();
        write.mockImplementation(async items => {
          await items[0].items['text/plain'];
        });
        renderAccess({
          ...withSummary(readySummary()),
          revealKey: refused(502, 'LiteLLM answered 500'),
        });
        await userEvent.click(await screen.findByTestId('ai-access-copy-key'));
        expect(await copyError()).toHaveTextContent(
          'Could not copy your key: LiteLLM answered 500',
        );
      });
    });

    it('copies an already revealed key without asking the backend again', async () => {
      const writeText = jest.fn(async (_text: string) => {});
      giveClipboard({ writeText });
      const { api } = renderAccess(withSummary(readySummary()));
      await userEvent.click(await screen.findByTestId('ai-access-reveal-key'));
      await screen.findByTestId('ai-access-revealed-key');
      await userEvent.click(screen.getByTestId('ai-access-copy-key'));
      await waitFor(() => expect(writeText).toHaveBeenCalledWith(RAW_KEY));
      expect(api.revealKey).toHaveBeenCalledTimes(1);
    });

    it('explains when the browser offers no clipboard', async () => {
      giveClipboard(undefined);
      const { api } = renderAccess(withSummary(readySummary()));
      await userEvent.click(await screen.findByTestId('ai-access-copy-key'));
      expect(
        await screen.findByTestId('ai-access-key-error'),
      ).toHaveTextContent('copy it by hand');
      expect(api.revealKey).not.toHaveBeenCalled();
    });

    it('asks before rotating; cancel does nothing', async () => {
      const { api } = renderAccess(withSummary(readySummary()));
      await userEvent.click(await screen.findByTestId('ai-access-rotate-key'));
      const dialog = await screen.findByRole('dialog', {
        name: 'Rotate your API key?',
      });
      expect(screen.getByTestId('ai-access-rotate-dialog')).toContainElement(
        dialog,
      );
      expect(dialog).toHaveTextContent(
        'your current key stops working immediately',
      );
      expect(dialog).toHaveTextContent('must be updated with the new one');

      await userEvent.click(
        within(dialog).getByTestId('ai-access-rotate-cancel'),
      );
      await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
      expect(api.rotateKey).not.toHaveBeenCalled();
      expect(screen.getByTestId('ai-access-masked-key')).toHaveTextContent(
        'sk-...a1b2',
      );
    });

    it('rotates on confirmation and shows the new masked key', async () => {
      const rotateKey = jest.fn(async () =>
        readySummary({
          key: {
            masked: 'sk-...z9y8',
            alias: 'portal:user:default/jane.doe',
            createdAt: '2026-11-03T12:00:01.000Z',
            rotatedAt: '2026-11-20T12:00:00.000Z',
          },
        }),
      );
      const { alertApi } = renderAccess({
        ...withSummary(readySummary()),
        rotateKey,
      });
      // A key revealed before the rotation is the old one: it must go.
      await userEvent.click(await screen.findByTestId('ai-access-reveal-key'));
      await screen.findByTestId('ai-access-revealed-key');

      await rotateAndConfirm();
      expect(rotateKey).toHaveBeenCalledTimes(1);
      await waitFor(() =>
        expect(screen.getByTestId('ai-access-masked-key')).toHaveTextContent(
          'sk-...z9y8',
        ),
      );
      expect(screen.queryByTestId('ai-access-revealed-key')).toBeNull();
      expect(screen.getByTestId('ai-access-key-dates')).toHaveTextContent(
        'last rotated on 20 November 2026',
      );
      await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
      expect(alertApi.getAlerts()).toEqual([
        expect.objectContaining({ severity: 'success' }),
      ]);
    });

    it('keeps the dialog open with the error when rotation fails', async () => {
      renderAccess({
        ...withSummary(readySummary()),
        rotateKey: refused(503, 'LiteLLM timed out'),
      });
      await rotateAndConfirm();
      expect(
        await screen.findByTestId('ai-access-rotate-error'),
      ).toHaveTextContent('Could not rotate your key: LiteLLM timed out');
      expect(screen.getByTestId('ai-access-masked-key')).toHaveTextContent(
        'sk-...a1b2',
      );
    });
  });

  describe('ready: examples', () => {
    it('shows curl, Python and Node examples with the API address and the env var', async () => {
      renderAccess(withSummary(readySummary()));
      const examples = await screen.findByTestId('ai-access-examples');
      expect(
        within(examples).getByTestId('ai-access-api-base-url'),
      ).toHaveTextContent('https://llm.example.com/v1');
      const tabs = within(examples).getAllByRole('tab');
      expect(tabs.map(t => t.textContent)).toEqual([
        'curl',
        'Python',
        'Node.js',
      ]);
      expect(tabs[0]).toHaveAttribute('aria-selected', 'true');

      expect(screen.getByTestId('ai-access-example-curl')).toHaveTextContent(
        'https://llm.example.com/v1/chat/completions',
      );
      expect(screen.getByTestId('ai-access-example-curl')).toHaveTextContent(
        'Authorization: Bearer $LITELLM_API_KEY',
      );

      await userEvent.click(screen.getByTestId('ai-access-example-tab-python'));
      const python = screen.getByTestId('ai-access-example-python');
      expect(python).toBeVisible();
      expect(python).toHaveTextContent('from openai import OpenAI');
      expect(python).toHaveTextContent('os.environ["LITELLM_API_KEY"]');
      expect(python).toHaveTextContent('gpt-4o-mini');
      expect(screen.getByTestId('ai-access-example-curl')).not.toBeVisible();

      await userEvent.click(screen.getByTestId('ai-access-example-tab-node'));
      expect(screen.getByTestId('ai-access-example-node')).toHaveTextContent(
        'apiKey: process.env.LITELLM_API_KEY',
      );
      expect(examples).toHaveTextContent('gpt-4o-mini as an example model');
    });

    it('never puts the revealed key into the examples', async () => {
      renderAccess(withSummary(readySummary()));
      await userEvent.click(await screen.findByTestId('ai-access-reveal-key'));
      await screen.findByTestId('ai-access-revealed-key');
      for (const id of ['curl', 'python', 'node'] as const) {
        await userEvent.click(
          screen.getByTestId(`ai-access-example-tab-${id}`),
        );
        expect(
          screen.getByTestId(`ai-access-example-${id}`).textContent,
        ).not.toContain(RAW_KEY);
      }
    });

    it('falls back to an environment variable without an API address', async () => {
      renderAccess(withSummary(readySummary({ apiBaseUrl: undefined })));
      expect(
        await screen.findByTestId('ai-access-api-base-url'),
      ).toHaveTextContent('This portal does not publish the API address');
      expect(screen.getByTestId('ai-access-example-curl')).toHaveTextContent(
        '$LITELLM_BASE_URL/chat/completions',
      );
    });
  });
});
