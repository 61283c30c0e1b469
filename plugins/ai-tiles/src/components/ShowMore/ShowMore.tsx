import Button from '@material-ui/core/Button';
import { makeStyles } from '@material-ui/core/styles';
import { useEffect, useRef } from 'react';

const useStyles = makeStyles(
  theme => ({
    root: {
      display: 'flex',
      justifyContent: 'center',
      padding: theme.spacing(2, 0),
    },
  }),
  { name: 'AiTilesShowMore' },
);

/**
 * "Show more" for a long grid. The button works with keyboard and screen
 * readers; while it is near the viewport it also loads more on its own
 * (infinite scroll), so sighted users never have to press it.
 */
export function ShowMore(props: {
  remaining: number;
  /** Items added per step, shown on the button. */
  step: number;
  onShowMore: () => void;
  /** Changes whenever more items were shown; re-arms the auto-loading. */
  shownCount: number;
}) {
  const { remaining, step, onShowMore, shownCount } = props;
  const classes = useStyles();
  const ref = useRef<HTMLDivElement>(null);
  const latest = useRef(onShowMore);
  latest.current = onShowMore;

  useEffect(() => {
    const element = ref.current;
    if (!element || typeof IntersectionObserver === 'undefined') {
      return undefined;
    }
    // A fresh observer per step reports the current intersection at once, so
    // a step that still leaves the button in view loads the next one.
    const observer = new IntersectionObserver(
      entries => {
        if (entries.some(entry => entry.isIntersecting)) {
          observer.disconnect();
          latest.current();
        }
      },
      { rootMargin: '600px 0px' },
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [shownCount]);

  return (
    <div ref={ref} className={classes.root}>
      <Button
        variant="outlined"
        color="primary"
        onClick={onShowMore}
        data-testid="ai-tiles-show-more"
      >
        Show {Math.min(step, remaining)} more of {remaining} remaining
      </Button>
    </div>
  );
}
