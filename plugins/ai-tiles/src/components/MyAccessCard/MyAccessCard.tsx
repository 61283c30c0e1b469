import { Link } from '@backstage/core-components';
import Paper from '@material-ui/core/Paper';
import { makeStyles } from '@material-ui/core/styles';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { useMyAccess } from '../../hooks/useMyAccess';
import { useMyAccessPageLink } from '../../hooks/useRouteLinks';
import { BudgetMeter } from '../BudgetMeter';

const useStyles = makeStyles(
  theme => ({
    card: {
      display: 'flex',
      flexWrap: 'wrap',
      alignItems: 'center',
      gap: theme.spacing(1, 3),
      padding: theme.spacing(1.5, 2),
    },
    label: {
      fontWeight: 600,
      flex: '0 0 auto',
    },
    meter: {
      // Full width on phones, a readable band on wider screens.
      flex: '1 1 240px',
      maxWidth: 560,
      minWidth: 0,
    },
    link: { fontWeight: 600, marginLeft: 'auto' },
    callout: {
      padding: theme.spacing(0, 2),
      '& .MuiAlert-message': { padding: theme.spacing(1, 0) },
      '& .MuiAlert-icon': { padding: theme.spacing(1, 0) },
    },
  }),
  { name: 'AiTilesMyAccessCard' },
);

/**
 * Compact "My AI access" card for the tiles page: the budget meter with
 * spend and reset date and a link to the page, or a call to accept the
 * policy. It loads on its own and renders nothing while loading, on any
 * failure and when the portal has no LiteLLM connection: the tiles never
 * wait for it.
 */
export function MyAccessCard() {
  const classes = useStyles();
  const link = useMyAccessPageLink();
  const { summary } = useMyAccess();

  if (!summary || summary.status === 'not-configured') {
    return null;
  }

  if (summary.status === 'policy-required') {
    return (
      <Alert
        severity="info"
        variant="outlined"
        className={classes.callout}
        role="region"
        aria-label="My AI access"
        data-testid="ai-tiles-my-access-card"
      >
        Accept the AI policy to get your personal API key:{' '}
        <Link to={link} className={classes.link}>
          My AI access
        </Link>
      </Alert>
    );
  }

  return (
    <Paper
      variant="outlined"
      className={classes.card}
      component="section"
      aria-label="My AI access"
      data-testid="ai-tiles-my-access-card"
    >
      <Typography className={classes.label} component="p">
        Your AI budget
      </Typography>
      <div className={classes.meter}>
        {summary.budget ? (
          <BudgetMeter budget={summary.budget} compact />
        ) : (
          <Typography variant="body2" color="textSecondary">
            Your personal API key is ready.
          </Typography>
        )}
      </div>
      <Link to={link} className={classes.link}>
        My AI access
      </Link>
    </Paper>
  );
}
