import LinearProgress from '@material-ui/core/LinearProgress';
import { makeStyles, Theme } from '@material-ui/core/styles';
import Typography from '@material-ui/core/Typography';
import {
  AiAccessBudget,
  forecastLevel,
  forecastText,
  formatPercent,
  resetText,
  usageLevel,
  usageRatio,
  usedText,
} from '../../lib/access';

/** Text colour of a warning that stays readable on light and dark themes. */
const warningText = (theme: Theme) =>
  theme.palette.type === 'dark'
    ? theme.palette.warning.light
    : theme.palette.warning.dark;
const errorText = (theme: Theme) =>
  theme.palette.type === 'dark'
    ? theme.palette.error.light
    : theme.palette.error.dark;

const useStyles = makeStyles(
  theme => ({
    root: {
      display: 'flex',
      flexDirection: 'column',
      gap: theme.spacing(0.75),
      minWidth: 0,
    },
    summary: {
      display: 'flex',
      flexWrap: 'wrap',
      alignItems: 'baseline',
      justifyContent: 'space-between',
      gap: theme.spacing(0.5, 2),
    },
    used: { fontWeight: 600 },
    track: {
      height: 10,
      borderRadius: 5,
      backgroundColor: theme.palette.action.hover,
    },
    barNormal: { backgroundColor: theme.palette.primary.main },
    barWarning: { backgroundColor: theme.palette.warning.main },
    barError: { backgroundColor: theme.palette.error.main },
    textWarning: { color: warningText(theme), fontWeight: 600 },
    textError: { color: errorText(theme), fontWeight: 600 },
    secondary: { color: theme.palette.text.secondary },
  }),
  { name: 'AiTilesBudgetMeter' },
);

const LEVEL_NOTE = {
  normal: undefined,
  warning: 'Your budget is almost used up.',
  error: 'Your budget is used up: AI requests are refused until it resets.',
} as const;

/** A used-up budget without a budget period (LiteLLM never resets it). */
const USED_UP_NO_RESET_NOTE =
  'Your budget is used up: AI requests are refused. It does not reset on its own; ask your portal administrator if you need more.';

/** A budget of 0 does not come back with the next period. */
const NO_BUDGET_NOTE =
  'You have no AI budget: AI requests are refused. Ask your portal administrator if you need one.';

/**
 * The budget meter: spend of budget as text and as a bar (normal below 80%,
 * warning from 80%, error from 100%), the reset date and, unless `compact`,
 * the forecast to the end of the period. Colour is never the only signal:
 * the percentage and a sentence say the same. A budget of 0 says that no
 * requests are allowed, with no reset date or forecast.
 */
export function BudgetMeter(props: {
  budget: AiAccessBudget;
  compact?: boolean;
}) {
  const { budget, compact = false } = props;
  const classes = useStyles();
  const ratio = usageRatio(budget.spend, budget.maxBudget);
  const level = usageLevel(ratio);
  const used = usedText(budget);
  const noBudget = budget.maxBudget === 0;
  const reset = noBudget ? undefined : resetText(budget);
  const forecast = compact || noBudget ? undefined : forecastText(budget);
  const forecastWarning =
    budget.forecast !== null &&
    forecastLevel(budget.forecast, budget.maxBudget) === 'warning';
  const levelText = {
    normal: undefined,
    warning: classes.textWarning,
    error: classes.textError,
  }[level];
  let note: string | undefined = LEVEL_NOTE[level];
  if (noBudget) {
    note = NO_BUDGET_NOTE;
  } else if (level === 'error' && !reset) {
    note = USED_UP_NO_RESET_NOTE;
  }
  const textVariant = compact ? 'body2' : 'body1';

  return (
    <div className={classes.root} data-testid="ai-access-budget">
      <div className={classes.summary}>
        <Typography
          variant={textVariant}
          className={classes.used}
          data-testid="ai-access-budget-text"
        >
          {used}
        </Typography>
        {ratio === null ? (
          <Typography
            variant={textVariant}
            className={classes.secondary}
            data-testid="ai-access-budget-no-limit"
          >
            No limit
          </Typography>
        ) : (
          <Typography
            variant={textVariant}
            className={levelText}
            data-testid="ai-access-budget-percent"
          >
            {formatPercent(ratio)}
          </Typography>
        )}
      </div>
      {ratio !== null && (
        <LinearProgress
          variant="determinate"
          value={Math.min(100, ratio * 100)}
          aria-label="Budget used"
          aria-valuetext={`${used} (${formatPercent(ratio)})`}
          data-testid="ai-access-budget-meter"
          data-level={level}
          classes={{
            root: classes.track,
            bar: {
              normal: classes.barNormal,
              warning: classes.barWarning,
              error: classes.barError,
            }[level],
          }}
        />
      )}
      {note && (!compact || noBudget) && (
        <Typography
          variant="body2"
          className={levelText}
          data-testid="ai-access-budget-note"
        >
          {note}
        </Typography>
      )}
      {reset && (
        <Typography
          variant="body2"
          className={classes.secondary}
          data-testid="ai-access-budget-reset"
        >
          {reset}
        </Typography>
      )}
      {forecast && (
        <Typography
          variant="body2"
          className={forecastWarning ? classes.textWarning : classes.secondary}
          data-testid="ai-access-forecast"
          data-level={forecastWarning ? 'warning' : 'normal'}
        >
          {forecast}
          {forecastWarning && ' (more than your budget)'}
        </Typography>
      )}
    </div>
  );
}
