import { MarkdownContent } from '@backstage/core-components';
import { makeStyles } from '@material-ui/core/styles';
import Typography from '@material-ui/core/Typography';
import { AiPolicyDocument } from '@internal/plugin-ai-tiles-common';

const useStyles = makeStyles(
  theme => ({
    heading: { margin: 0 },
    version: {
      color: theme.palette.text.secondary,
      marginBottom: theme.spacing(2),
    },
    markdown: { maxWidth: '80ch' },
  }),
  { name: 'AiTilesPolicyDocument' },
);

/**
 * The acceptable-use policy: title, version and text. The markdown goes
 * through `MarkdownContent`, which sanitises it (no raw HTML or scripts).
 */
export function PolicyDocument(props: {
  policy: AiPolicyDocument;
  /** `h2` on the policy page, `h3` under the dialog's title. */
  headingLevel: 'h2' | 'h3';
  testId: string;
  versionTestId: string;
}) {
  const { policy, headingLevel, testId, versionTestId } = props;
  const classes = useStyles();
  return (
    <article data-testid={testId}>
      <Typography
        variant={headingLevel === 'h2' ? 'h4' : 'h5'}
        component={headingLevel}
        className={classes.heading}
      >
        {policy.title}
      </Typography>
      <Typography className={classes.version} data-testid={versionTestId}>
        Version {policy.version}
      </Typography>
      <MarkdownContent className={classes.markdown} content={policy.markdown} />
    </article>
  );
}
