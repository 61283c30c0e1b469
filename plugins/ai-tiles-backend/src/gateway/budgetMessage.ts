import { LiteLlmClient } from '../service/litellm/LiteLlmClient';
import { ZERO_BUDGET } from '../service/provisioning/KeyProvisioner';

const money = (usd: number) => `$${usd.toFixed(2)}`;
const day = (iso: string) =>
  new Date(iso).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });

/**
 * The message a chat window shows when LiteLLM refused a call for budget:
 * "Your monthly AI budget of $50.00 is used up; it resets on 1 December
 * 2026." A zero budget is not "used up": it says that no calls are
 * allowed. Falls back to a plain sentence when LiteLLM cannot say more.
 */
export async function budgetExceededMessage(
  client: LiteLlmClient,
  ownerRef: string,
  chargedTo: 'employee' | 'app',
): Promise<string> {
  const whose = chargedTo === 'employee' ? 'Your' : `The app's (${ownerRef})`;
  try {
    const info = await client.getUserInfo(ownerRef);
    const user = info?.user;
    if (user && typeof user.max_budget === 'number') {
      if (user.max_budget <= ZERO_BUDGET) {
        return `${whose} AI budget is $0.00, so no model calls are allowed${
          chargedTo === 'employee'
            ? '; ask your portal administrator for a budget'
            : ''
        }.`;
      }
      const period =
        user.budget_duration === '1mo' || user.budget_duration === '30d'
          ? 'monthly '
          : '';
      const reset =
        user.budget_reset_at && !Number.isNaN(Date.parse(user.budget_reset_at))
          ? `; it resets on ${day(user.budget_reset_at)}`
          : '';
      return `${whose} ${period}AI budget of ${money(
        user.max_budget,
      )} is used up${reset}.`;
    }
  } catch {
    // LiteLLM already refused the call; say what we know.
  }
  return `${whose} AI budget is used up.`;
}
