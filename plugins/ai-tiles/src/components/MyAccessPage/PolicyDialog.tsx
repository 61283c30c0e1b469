import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import { makeStyles, useTheme } from '@material-ui/core/styles';
import useMediaQuery from '@material-ui/core/useMediaQuery';
import Alert from '@material-ui/lab/Alert';
import {
  AI_KEY_NOT_READY_ERROR,
  AiAccessSummary,
} from '@internal/plugin-ai-tiles-common';
import { useRef, useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { aiTilesApiRef } from '../../api';
import { PolicyDocument } from '../PolicyDocument';
import { errorMessage, errorNameOf, statusCodeOf } from '../../lib/access';
import { Working } from './Working';

const useStyles = makeStyles(
  theme => ({
    notice: { marginBottom: theme.spacing(2) },
  }),
  { name: 'AiTilesPolicyDialog' },
);

/** What the dialog says above the policy after an "I accept" that did not succeed. */
interface Notice {
  severity: 'info' | 'warning' | 'error';
  testId: string;
  text: string;
}

const POLICY_CHANGED: Notice = {
  severity: 'info',
  testId: 'ai-access-policy-changed',
  text: 'The policy was updated while you were reading it. Please read the new version and accept it again.',
};

/**
 * The acceptable-use policy in a dialog, with "I accept" (accepting exactly
 * the version shown) and "Cancel". When the backend answers 409 (a newer
 * version was published meanwhile) the policy is reloaded and the employee
 * is asked again. It cannot be closed while "I accept" is under way; when it
 * closes after an acceptance that was recorded without a key, the page is
 * loaded again so that it no longer asks for the acceptance. Mounted only
 * while open: each opening starts with a fresh policy and no notice.
 */
export function PolicyDialog(props: {
  onClose: () => void;
  onAccepted: (summary: AiAccessSummary) => void;
  onPolicyChanged: () => void;
}) {
  const { onClose, onAccepted, onPolicyChanged } = props;
  const classes = useStyles();
  const theme = useTheme();
  const fullScreen = useMediaQuery(theme.breakpoints.down('xs'));
  const api = useApi(aiTilesApiRef);
  const policy = useAsyncRetry(() => api.getPolicy(), [api]);
  const [accepting, setAccepting] = useState(false);
  // The outcome of the last "I accept", when it was not a success.
  const [notice, setNotice] = useState<Notice>();
  // The acceptance was recorded although the key could not be set up.
  const recorded = useRef(false);

  // Escape and the backdrop come here too, not only Cancel.
  const close = () => {
    if (accepting) {
      return;
    }
    onClose();
    if (recorded.current) {
      onPolicyChanged();
    }
  };

  const accept = async (version: string) => {
    setAccepting(true);
    setNotice(undefined);
    try {
      const summary = await api.acceptPolicy(version);
      setAccepting(false);
      onAccepted(summary);
    } catch (e) {
      setAccepting(false);
      if (statusCodeOf(e) === 409) {
        // A new version was published while the employee was reading:
        // show it and ask again.
        setNotice(POLICY_CHANGED);
        policy.retry();
        onPolicyChanged();
      } else if (errorNameOf(e) === AI_KEY_NOT_READY_ERROR) {
        // Accepted and recorded, but the key could not be set up yet.
        recorded.current = true;
        setNotice({
          severity: 'warning',
          testId: 'ai-access-policy-key-not-ready',
          text: errorMessage(e),
        });
      } else {
        setNotice({
          severity: 'error',
          testId: 'ai-access-policy-error',
          text: `Could not accept the policy: ${errorMessage(e)}`,
        });
      }
    }
  };

  let content;
  let displayedVersion: string | undefined;
  if (policy.loading) {
    content = <Progress />;
  } else if (policy.error) {
    content = (
      <Alert
        severity="error"
        action={
          <Button color="inherit" size="small" onClick={policy.retry}>
            Try again
          </Button>
        }
      >
        Could not load the policy: {errorMessage(policy.error)}
      </Alert>
    );
  } else if (!policy.value) {
    content = (
      <Alert severity="warning">
        The acceptable-use policy is not published yet, so it cannot be
        accepted. Please contact the portal team.
      </Alert>
    );
  } else {
    displayedVersion = policy.value.version;
    content = (
      <PolicyDocument
        policy={policy.value}
        headingLevel="h3"
        testId="ai-access-policy-document"
        versionTestId="ai-access-policy-version"
      />
    );
  }

  return (
    <Dialog
      open
      onClose={close}
      scroll="paper"
      maxWidth="md"
      fullWidth
      fullScreen={fullScreen}
      aria-labelledby="ai-access-policy-title"
      data-testid="ai-access-policy-dialog"
    >
      <DialogTitle id="ai-access-policy-title">
        Acceptable use of AI
      </DialogTitle>
      <DialogContent dividers>
        {notice && (
          <Alert
            severity={notice.severity}
            className={classes.notice}
            data-testid={notice.testId}
          >
            {notice.text}
          </Alert>
        )}
        {content}
      </DialogContent>
      <DialogActions>
        <Button
          onClick={close}
          disabled={accepting}
          data-testid="ai-access-policy-cancel"
        >
          Cancel
        </Button>
        <Button
          color="primary"
          variant="contained"
          disabled={accepting || displayedVersion === undefined}
          onClick={() => displayedVersion && accept(displayedVersion)}
          startIcon={accepting ? <Working /> : null}
          data-testid="ai-access-policy-accept"
        >
          I accept
        </Button>
      </DialogActions>
    </Dialog>
  );
}
