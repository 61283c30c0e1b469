import { Link } from '@backstage/core-components';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import { usePolicyPageLink } from '../../hooks/useRouteLinks';

const useStyles = makeStyles(
  theme => ({
    banner: {
      padding: theme.spacing(0, 2),
      '& .MuiAlert-message': { padding: theme.spacing(1, 0) },
      '& .MuiAlert-icon': { padding: theme.spacing(1, 0) },
    },
    link: { fontWeight: 600 },
  }),
  { name: 'AiTilesPolicyBanner' },
);

/** Compact, always-visible reminder of the acceptable-use policy. */
export function PolicyBanner() {
  const classes = useStyles();
  const policyLink = usePolicyPageLink();
  return (
    <Alert
      severity="info"
      variant="outlined"
      role="note"
      aria-label="Acceptable use of AI"
      className={classes.banner}
      data-testid="ai-tiles-policy-banner"
    >
      AI answers can be wrong: check them before you rely on them, and only
      share data you are allowed to share. Using these apps means following the{' '}
      <Link to={policyLink} className={classes.link}>
        acceptable-use policy
      </Link>
      .
    </Alert>
  );
}
