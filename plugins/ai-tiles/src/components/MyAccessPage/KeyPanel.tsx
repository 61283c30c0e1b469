import { InfoCard } from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import { makeStyles } from '@material-ui/core/styles';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { AiAccessSummary } from '@internal/plugin-ai-tiles-common';
import { FocusEvent, useEffect, useState } from 'react';
import { aiTilesApiRef } from '../../api';
import { errorMessage, formatDate, statusCodeOf } from '../../lib/access';
import { Working } from './Working';

/** How long a revealed key stays on screen. */
export const REVEAL_MS = 60_000;

type AccessKey = NonNullable<AiAccessSummary['key']>;

const useStyles = makeStyles(
  theme => ({
    body: {
      display: 'flex',
      flexDirection: 'column',
      gap: theme.spacing(1.5),
    },
    masked: {
      fontFamily: 'monospace',
      fontSize: '1.125rem',
      overflowWrap: 'anywhere',
    },
    revealed: {
      '& input': { fontFamily: 'monospace' },
    },
    actions: {
      display: 'flex',
      flexWrap: 'wrap',
      gap: theme.spacing(1),
    },
    secondary: { color: theme.palette.text.secondary },
  }),
  { name: 'AiTilesKeyPanel' },
);

function RotateKeyDialog(props: {
  open: boolean;
  onClose: () => void;
  onRotated: (summary: AiAccessSummary) => void;
  /** Whether the failure was "accept the new policy first" (then handled). */
  reloadIfPolicyRequired: (error: unknown) => boolean;
}) {
  const { open, onClose, onRotated, reloadIfPolicyRequired } = props;
  const api = useApi(aiTilesApiRef);
  const [rotating, setRotating] = useState(false);
  const [error, setError] = useState<string>();

  const close = () => {
    if (!rotating) {
      setError(undefined);
      onClose();
    }
  };
  const rotate = async () => {
    setRotating(true);
    setError(undefined);
    try {
      const summary = await api.rotateKey();
      setRotating(false);
      onRotated(summary);
    } catch (e) {
      setRotating(false);
      if (!reloadIfPolicyRequired(e)) setError(errorMessage(e));
    }
  };

  return (
    <Dialog
      open={open}
      onClose={close}
      aria-labelledby="ai-access-rotate-title"
      aria-describedby="ai-access-rotate-description"
      data-testid="ai-access-rotate-dialog"
    >
      <DialogTitle id="ai-access-rotate-title">
        Rotate your API key?
      </DialogTitle>
      <DialogContent>
        <DialogContentText id="ai-access-rotate-description">
          You get a new key and your current key stops working immediately.
          Every tool, script or environment variable that uses the current key
          must be updated with the new one.
        </DialogContentText>
        {error && (
          <Alert severity="error" data-testid="ai-access-rotate-error">
            Could not rotate your key: {error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button
          onClick={close}
          disabled={rotating}
          data-testid="ai-access-rotate-cancel"
        >
          Cancel
        </Button>
        <Button
          onClick={rotate}
          disabled={rotating}
          color="secondary"
          variant="contained"
          startIcon={rotating ? <Working /> : null}
          data-testid="ai-access-rotate-confirm"
        >
          Rotate key
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/**
 * The employee's personal API key: masked, with Reveal (auto-hidden after
 * {@link REVEAL_MS}), Copy (to the clipboard, revealing it behind the scenes
 * if needed: it is not shown) and Rotate (after a confirmation).
 */
export function KeyPanel(props: {
  apiKey: AccessKey;
  /** The summary a rotation returned. */
  onSummary: (summary: AiAccessSummary) => void;
  /** Loads the summary again (e.g. the policy changed meanwhile). */
  onReload: () => void;
}) {
  const { apiKey, onSummary, onReload } = props;
  const classes = useStyles();
  const api = useApi(aiTilesApiRef);
  const alertApi = useApi(alertApiRef);
  const [revealed, setRevealed] = useState<string>();
  const [busy, setBusy] = useState<'reveal' | 'copy'>();
  const [error, setError] = useState<string>();
  const [rotateOpen, setRotateOpen] = useState(false);

  // A revealed key goes away on its own.
  useEffect(() => {
    if (revealed === undefined) {
      return undefined;
    }
    const timer = setTimeout(() => setRevealed(undefined), REVEAL_MS);
    return () => clearTimeout(timer);
  }, [revealed]);

  // A new key (rotated elsewhere, reloaded) invalidates a revealed one.
  useEffect(() => {
    setRevealed(undefined);
  }, [apiKey.masked]);

  const reloadIfPolicyRequired = (e: unknown) => {
    const required = statusCodeOf(e) === 403;
    if (required) {
      // The policy changed since the page loaded: show what is needed now.
      setRotateOpen(false);
      onReload();
    }
    return required;
  };
  const failed = (action: string, e: unknown) => {
    setError(`${action}: ${errorMessage(e)}`);
    reloadIfPolicyRequired(e);
  };

  const toggleReveal = async () => {
    setError(undefined);
    if (revealed !== undefined) {
      setRevealed(undefined);
      return;
    }
    setBusy('reveal');
    try {
      setRevealed(await api.revealKey());
    } catch (e) {
      failed('Could not reveal your key', e);
    } finally {
      setBusy(undefined);
    }
  };

  // Not async: browsers allow a clipboard write only while the click's
  // user activation lasts (Safari: within the handler itself), so the write
  // starts here, before anything is awaited. A key still to be fetched goes
  // to the clipboard as a promise in a ClipboardItem.
  const copy = () => {
    setError(undefined);
    const clipboard =
      typeof navigator === 'undefined' ? undefined : navigator.clipboard;
    const canWriteItem =
      typeof ClipboardItem !== 'undefined' && !!clipboard?.write;
    if (!clipboard || (!clipboard.writeText && !canWriteItem)) {
      setError(
        'This browser does not allow copying from this page: reveal the key and copy it by hand.',
      );
      return;
    }
    setBusy('copy');
    const key = revealed !== undefined ? revealed : api.revealKey();
    let written: Promise<void>;
    try {
      if (canWriteItem) {
        const blob = Promise.resolve(key).then(
          k => new Blob([k], { type: 'text/plain' }),
        );
        // Its failure is the key's, reported below, also when the browser
        // refused the write before reading the item.
        blob.catch(() => {});
        written = clipboard.write([new ClipboardItem({ 'text/plain': blob })]);
      } else {
        written =
          typeof key === 'string'
            ? clipboard.writeText(key)
            : key.then(k => clipboard.writeText(k));
      }
    } catch (thrown) {
      written = Promise.reject(thrown);
    }
    // The key's own failure first: it says why (e.g. 403, the policy changed).
    Promise.allSettled([key, written]).then(results => {
      setBusy(undefined);
      const failure = results.find(
        (r): r is PromiseRejectedResult => r.status === 'rejected',
      );
      if (failure) {
        failed('Could not copy your key', failure.reason);
      } else {
        alertApi.post({
          message: 'Your API key was copied to the clipboard.',
          severity: 'success',
          display: 'transient',
        });
      }
    });
  };

  const onRotated = (summary: AiAccessSummary) => {
    setRotateOpen(false);
    setRevealed(undefined);
    onSummary(summary);
    alertApi.post({
      message:
        'Your API key was rotated. Update the tools that used the old key.',
      severity: 'success',
      display: 'transient',
    });
  };

  const created = formatDate(apiKey.createdAt);
  const rotated = formatDate(apiKey.rotatedAt);

  return (
    <InfoCard title="Your API key">
      <div className={classes.body} data-testid="ai-access-key">
        <Typography variant="body2" className={classes.secondary}>
          Your personal key for the company's AI models. Every call made with it
          is charged to your budget: keep it secret and never share it.
        </Typography>
        <Typography
          component="code"
          className={classes.masked}
          data-testid="ai-access-masked-key"
        >
          {apiKey.masked}
        </Typography>
        {revealed !== undefined && (
          <TextField
            label="Your API key"
            value={revealed}
            variant="outlined"
            size="small"
            fullWidth
            className={classes.revealed}
            helperText="Hidden again after 60 seconds."
            InputProps={{ readOnly: true }}
            inputProps={{
              'data-testid': 'ai-access-revealed-key',
              spellCheck: false,
              autoComplete: 'off',
              onFocus: (
                event: FocusEvent<HTMLInputElement | HTMLTextAreaElement>,
              ) => event.target.select(),
            }}
          />
        )}
        <div className={classes.actions}>
          <Button
            variant="outlined"
            color="primary"
            onClick={toggleReveal}
            disabled={busy !== undefined}
            startIcon={busy === 'reveal' ? <Working /> : null}
            data-testid={
              revealed === undefined
                ? 'ai-access-reveal-key'
                : 'ai-access-hide-key'
            }
          >
            {revealed === undefined ? 'Reveal' : 'Hide'}
          </Button>
          <Button
            variant="outlined"
            color="primary"
            onClick={copy}
            disabled={busy !== undefined}
            startIcon={busy === 'copy' ? <Working /> : null}
            data-testid="ai-access-copy-key"
          >
            Copy
          </Button>
          <Button
            variant="outlined"
            onClick={() => setRotateOpen(true)}
            disabled={busy !== undefined}
            data-testid="ai-access-rotate-key"
          >
            Rotate
          </Button>
        </div>
        {error && (
          <Alert severity="error" data-testid="ai-access-key-error">
            {error}
          </Alert>
        )}
        <Typography
          variant="body2"
          className={classes.secondary}
          data-testid="ai-access-key-dates"
        >
          {[
            created && `Created on ${created}`,
            rotated && `last rotated on ${rotated}`,
          ]
            .filter(Boolean)
            .join(', ')}
          {created || rotated ? '. ' : ''}
          Key name: {apiKey.alias}
        </Typography>
      </div>
      <RotateKeyDialog
        open={rotateOpen}
        onClose={() => setRotateOpen(false)}
        onRotated={onRotated}
        reloadIfPolicyRequired={reloadIfPolicyRequired}
      />
    </InfoCard>
  );
}
