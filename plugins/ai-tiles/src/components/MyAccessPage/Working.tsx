import CircularProgress from '@material-ui/core/CircularProgress';

/** A button's "working" indicator (its start icon while it works). */
export const Working = () => (
  <CircularProgress
    size={16}
    color="inherit"
    data-testid="ai-access-working"
    aria-label="Working"
  />
);
