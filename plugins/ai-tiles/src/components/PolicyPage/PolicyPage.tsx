import {
  EmptyState,
  InfoCard,
  MarkdownContent,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { PageFrame } from '../PageFrame';
import { useApi } from '@backstage/core-plugin-api';
import { makeStyles } from '@material-ui/core/styles';
import Typography from '@material-ui/core/Typography';
import useAsync from 'react-use/esm/useAsync';
import { aiTilesApiRef } from '../../api';

const useStyles = makeStyles(
  theme => ({
    heading: { margin: 0 },
    version: {
      color: theme.palette.text.secondary,
      marginBottom: theme.spacing(2),
    },
    markdown: { maxWidth: '80ch' },
  }),
  { name: 'AiTilesPolicyPage' },
);

/**
 * The acceptable-use policy as the backend serves it. The markdown goes
 * through `MarkdownContent`, which sanitises it (no raw HTML or scripts).
 */
export function PolicyPageContent() {
  const classes = useStyles();
  const aiTilesApi = useApi(aiTilesApiRef);
  const { loading, error, value } = useAsync(
    () => aiTilesApi.getPolicy(),
    [aiTilesApi],
  );

  if (loading) {
    return <Progress />;
  }
  if (error) {
    return (
      <ResponseErrorPanel
        error={error}
        title="Could not load the acceptable-use policy"
      />
    );
  }
  if (!value) {
    return (
      <EmptyState
        missing="info"
        title="No acceptable-use policy is configured"
        description="The portal administrators have not published an acceptable-use policy for AI yet."
      />
    );
  }
  return (
    <InfoCard>
      <article data-testid="ai-policy">
        <Typography variant="h4" component="h2" className={classes.heading}>
          {value.title}
        </Typography>
        <Typography className={classes.version} data-testid="ai-policy-version">
          Version {value.version}
        </Typography>
        <MarkdownContent
          className={classes.markdown}
          content={value.markdown}
        />
      </article>
    </InfoCard>
  );
}

/** The policy page for the new frontend system (the framework provides the header). */
export function NfsAiPolicyPage() {
  return (
    <PageFrame>
      <PolicyPageContent />
    </PageFrame>
  );
}

/** The policy page for legacy apps, with a Backstage header. */
export function AiPolicyPage() {
  return (
    <PageFrame title="Acceptable use of AI">
      <PolicyPageContent />
    </PageFrame>
  );
}
