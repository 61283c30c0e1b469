import { Link, WarningPanel } from '@backstage/core-components';
import { makeStyles } from '@material-ui/core/styles';
import Typography from '@material-ui/core/Typography';
import { AiEntityProblem, isHttpUrl } from '@internal/plugin-ai-tiles-common';

const useStyles = makeStyles(
  theme => ({
    list: { margin: 0, paddingLeft: theme.spacing(2.5) },
    item: { marginBottom: theme.spacing(1.5) },
    errors: {
      margin: theme.spacing(0.5, 0, 0),
      paddingLeft: theme.spacing(2.5),
    },
    code: { fontFamily: 'monospace', wordBreak: 'break-word' },
  }),
  { name: 'AiTilesEntityProblems' },
);

/** Where an entity is defined: a link only for http(s) locations. */
function Location({ location }: { location?: string }) {
  if (!location) {
    return null;
  }
  const url = location.replace(/^url:/, '');
  return (
    <Typography variant="body2" color="textSecondary">
      Defined in{' '}
      {isHttpUrl(url) ? <Link to={url}>{url}</Link> : <span>{location}</span>}
    </Typography>
  );
}

/**
 * Tells workflow owners which of their AI apps the catalog refuses and why,
 * so a broken entity is fixed instead of silently missing from the grid.
 */
export function EntityProblemsPanel({
  problems,
}: {
  problems: AiEntityProblem[];
}) {
  const classes = useStyles();
  if (problems.length === 0) {
    return null;
  }
  const count = problems.length;
  return (
    <div data-testid="ai-tiles-entity-problems">
      <WarningPanel
        severity="warning"
        title={`${count} of your team's AI ${
          count === 1 ? 'app is' : 'apps are'
        } not shown: the catalog refuses ${
          count === 1 ? 'its' : 'their'
        } definition`}
      >
        <ul className={classes.list}>
          {problems.map(problem => (
            <li key={problem.entityRef} className={classes.item}>
              <Typography
                variant="subtitle2"
                component="span"
                className={classes.code}
              >
                {problem.entityRef}
              </Typography>
              {problem.title && (
                <Typography variant="body2" component="span">
                  {' '}
                  ({problem.title})
                </Typography>
              )}
              <Location location={problem.location} />
              <ul className={classes.errors}>
                {problem.errors.map((error, index) => (
                  <li key={index} className={classes.code}>
                    {error}
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      </WarningPanel>
    </div>
  );
}
