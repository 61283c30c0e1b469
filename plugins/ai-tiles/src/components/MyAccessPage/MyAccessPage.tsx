import {
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { PageFrame } from '../PageFrame';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import { makeStyles } from '@material-ui/core/styles';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import AlertTitle from '@material-ui/lab/AlertTitle';
import { AiAccessSummary } from '@internal/plugin-ai-tiles-common';
import { useState } from 'react';
import { usePolicyPageLink } from '../../hooks/useRouteLinks';
import { useMyAccess } from '../../hooks/useMyAccess';
import { errorMessage, formatDate } from '../../lib/access';
import { BudgetMeter } from '../BudgetMeter';
import { ExamplesPanel } from './ExamplesPanel';
import { KeyPanel } from './KeyPanel';
import { PolicyDialog } from './PolicyDialog';

const useStyles = makeStyles(
  theme => ({
    root: {
      display: 'flex',
      flexDirection: 'column',
      gap: theme.spacing(3),
    },
    intro: { maxWidth: '80ch' },
    keys: {
      margin: theme.spacing(1, 0, 0),
      paddingLeft: theme.spacing(2.5),
      '& code': { fontFamily: 'monospace', overflowWrap: 'anywhere' },
    },
    panelBody: {
      display: 'flex',
      flexDirection: 'column',
      alignItems: 'flex-start',
      gap: theme.spacing(1.5),
      maxWidth: '80ch',
    },
    secondary: { color: theme.palette.text.secondary },
  }),
  { name: 'AiTilesMyAccessPage' },
);

/** Status `not-configured`: what the administrator must set. No fake data. */
function NotConfiguredPanel(props: { missingConfig?: string[] }) {
  const classes = useStyles();
  const keys = props.missingConfig ?? [];
  return (
    <Alert
      severity="info"
      variant="outlined"
      data-testid="ai-access-not-configured"
    >
      <AlertTitle>AI access is not set up in this portal yet</AlertTitle>
      Personal API keys and budgets need a connection to the AI gateway
      (LiteLLM), which the portal administrators have not configured.
      {keys.length > 0 ? (
        <>
          {' '}
          They need to set these configuration keys:
          <ul className={classes.keys} data-testid="ai-access-missing-config">
            {keys.map(key => (
              <li key={key}>
                <code>{key}</code>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </Alert>
  );
}

/** "You accepted <title> version <v> on <date>", with a link to the policy. */
function PolicyStatus(props: { policy: AiAccessSummary['policy'] }) {
  const { policy } = props;
  const classes = useStyles();
  const policyLink = usePolicyPageLink();
  const date = formatDate(policy.acceptedAt);
  return (
    <Typography
      variant="body2"
      className={classes.secondary}
      data-testid="ai-access-policy-status"
    >
      You accepted {policy.title} version{' '}
      {policy.acceptedVersion ?? policy.version}
      {date ? ` on ${date}` : ''}. <Link to={policyLink}>Read the policy</Link>
    </Typography>
  );
}

/** Status `policy-required`: why and how to accept the policy. */
function PolicyRequiredPanel(props: {
  summary: AiAccessSummary;
  onAccepted: (summary: AiAccessSummary) => void;
  onPolicyChanged: () => void;
}) {
  const { summary, onAccepted, onPolicyChanged } = props;
  const { policy } = summary;
  const classes = useStyles();
  const [open, setOpen] = useState(false);
  const acceptedDate = formatDate(policy.acceptedAt);

  return (
    <InfoCard title="Accept the acceptable-use policy">
      <div
        className={classes.panelBody}
        data-testid="ai-access-policy-required"
      >
        <Typography>
          Before your personal API key is issued, you need to accept the current
          acceptable-use policy: <strong>{policy.title}</strong> (version{' '}
          {policy.version}).
        </Typography>
        {policy.acceptedVersion && (
          <Typography variant="body2" className={classes.secondary}>
            You accepted version {policy.acceptedVersion}
            {acceptedDate ? ` on ${acceptedDate}` : ''}; the policy has changed
            since.
          </Typography>
        )}
        <Button
          color="primary"
          variant="contained"
          onClick={() => setOpen(true)}
          data-testid="ai-access-open-policy"
        >
          Read and accept the policy
        </Button>
      </div>
      {open && (
        <PolicyDialog
          onClose={() => setOpen(false)}
          onAccepted={accepted => {
            setOpen(false);
            onAccepted(accepted);
          }}
          onPolicyChanged={onPolicyChanged}
        />
      )}
    </InfoCard>
  );
}

function BudgetPanel(props: { budget: AiAccessSummary['budget'] }) {
  return (
    <InfoCard title="Your budget">
      {props.budget ? (
        <BudgetMeter budget={props.budget} />
      ) : (
        <Typography data-testid="ai-access-budget-unavailable">
          Your budget is not available right now.
        </Typography>
      )}
    </InfoCard>
  );
}

/** Status `ready`: budget, key, examples and the policy line. */
function ReadyView(props: {
  summary: AiAccessSummary;
  onSummary: (summary: AiAccessSummary) => void;
  onReload: () => void;
}) {
  const { summary, onSummary, onReload } = props;
  const classes = useStyles();
  return (
    <>
      <Grid container spacing={3} alignItems="stretch">
        <Grid item xs={12} md={6}>
          <BudgetPanel budget={summary.budget} />
        </Grid>
        <Grid item xs={12} md={6}>
          {summary.key ? (
            <KeyPanel
              apiKey={summary.key}
              onSummary={onSummary}
              onReload={onReload}
            />
          ) : (
            <InfoCard title="Your API key">
              <div className={classes.panelBody} data-testid="ai-access-key">
                <Typography>
                  Your personal API key is being issued. This takes a moment.
                </Typography>
                <Button variant="outlined" color="primary" onClick={onReload}>
                  Check again
                </Button>
              </div>
            </InfoCard>
          )}
        </Grid>
        <Grid item xs={12}>
          <ExamplesPanel apiBaseUrl={summary.apiBaseUrl} />
        </Grid>
      </Grid>
      <PolicyStatus policy={summary.policy} />
    </>
  );
}

/**
 * "My AI access": the signed-in employee's budget, personal API key and how
 * to use it, or what is missing first (portal configuration, policy
 * acceptance). All text from the backend is rendered as text.
 */
export function MyAccessPageContent() {
  const classes = useStyles();
  const alertApi = useApi(alertApiRef);
  const { loading, error, summary, reload, update } = useMyAccess();

  let body;
  if (!summary) {
    if (loading) {
      body = (
        <div data-testid="ai-access-loading">
          <Progress />
        </div>
      );
    } else {
      body = (
        <div data-testid="ai-access-error">
          <ResponseErrorPanel
            error={error ?? new Error('Unknown error')}
            title={`Could not load your AI access: ${errorMessage(error)}`}
          />
          <Button
            variant="outlined"
            color="primary"
            onClick={reload}
            data-testid="ai-access-retry"
          >
            Try again
          </Button>
        </div>
      );
    }
  } else {
    const onAccepted = (accepted: AiAccessSummary) => {
      update(accepted);
      if (accepted.status === 'ready') {
        alertApi.post({
          message: 'Thank you for accepting the policy.',
          severity: 'success',
          display: 'transient',
        });
      }
    };
    body = (
      <>
        {error && (
          <Alert
            severity="warning"
            data-testid="ai-access-refresh-error"
            action={
              <Button color="inherit" size="small" onClick={reload}>
                Try again
              </Button>
            }
          >
            Could not refresh your AI access: {errorMessage(error)}
          </Alert>
        )}
        {summary.status === 'not-configured' && (
          <NotConfiguredPanel missingConfig={summary.missingConfig} />
        )}
        {summary.status === 'policy-required' && (
          <>
            <PolicyRequiredPanel
              summary={summary}
              onAccepted={onAccepted}
              onPolicyChanged={reload}
            />
            {summary.budget && <BudgetPanel budget={summary.budget} />}
          </>
        )}
        {summary.status === 'ready' && (
          <ReadyView summary={summary} onSummary={update} onReload={reload} />
        )}
      </>
    );
  }

  return (
    <div className={classes.root} data-testid="ai-access-page">
      <Typography className={classes.intro} color="textSecondary">
        Your personal access to the company's AI models: your budget, your API
        key and how to use it in your own tools and scripts.
      </Typography>
      {body}
    </div>
  );
}

/** The "My AI access" page for the new frontend system (the framework provides the header). */
export function NfsMyAccessPage() {
  return (
    <PageFrame>
      <MyAccessPageContent />
    </PageFrame>
  );
}

/** The "My AI access" page for legacy apps, with a Backstage header. */
export function AiMyAccessPage() {
  return (
    <PageFrame title="My AI access">
      <MyAccessPageContent />
    </PageFrame>
  );
}
