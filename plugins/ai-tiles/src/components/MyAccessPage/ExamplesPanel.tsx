import { CodeSnippet, InfoCard } from '@backstage/core-components';
import { makeStyles } from '@material-ui/core/styles';
import Tab from '@material-ui/core/Tab';
import Tabs from '@material-ui/core/Tabs';
import Typography from '@material-ui/core/Typography';
import { useMemo, useState } from 'react';
import {
  API_KEY_ENV,
  BASE_URL_ENV,
  buildExamples,
  EXAMPLE_MODEL,
  ExampleId,
  usableBaseUrl,
} from '../../lib/examples';

const useStyles = makeStyles(
  theme => ({
    intro: {
      display: 'flex',
      flexDirection: 'column',
      gap: theme.spacing(1),
      marginBottom: theme.spacing(2),
    },
    code: {
      fontFamily: 'monospace',
      overflowWrap: 'anywhere',
    },
    tabs: {
      borderBottom: `1px solid ${theme.palette.divider}`,
      marginBottom: theme.spacing(1),
    },
  }),
  { name: 'AiTilesExamples' },
);

/**
 * How to call the OpenAI-compatible API with the personal key: curl, Python
 * and Node examples. The key is always read from `$LITELLM_API_KEY`, never
 * embedded, so it cannot leak through a copied snippet.
 */
export function ExamplesPanel(props: { apiBaseUrl?: string }) {
  const classes = useStyles();
  const [selected, setSelected] = useState<ExampleId>('curl');
  const examples = useMemo(
    () => buildExamples(props.apiBaseUrl),
    [props.apiBaseUrl],
  );
  const baseUrl = usableBaseUrl(props.apiBaseUrl);

  return (
    <InfoCard title="Use your key">
      <div data-testid="ai-access-examples">
        <div className={classes.intro}>
          {baseUrl ? (
            <Typography data-testid="ai-access-api-base-url">
              API address (OpenAI-compatible):{' '}
              <code className={classes.code}>{baseUrl}</code>
            </Typography>
          ) : (
            <Typography data-testid="ai-access-api-base-url">
              This portal does not publish the API address: ask the portal team
              for it and set it as <code>{BASE_URL_ENV}</code>.
            </Typography>
          )}
          <Typography variant="body2" color="textSecondary">
            Set the environment variable <code>{API_KEY_ENV}</code> to your key
            (use Copy above). The examples use <code>{EXAMPLE_MODEL}</code> as
            an example model: replace it with a model offered in your portal.
          </Typography>
        </div>
        <Tabs
          value={selected}
          onChange={(_event, value: ExampleId) => setSelected(value)}
          aria-label="Code examples"
          indicatorColor="primary"
          textColor="primary"
          className={classes.tabs}
        >
          {examples.map(example => (
            <Tab
              key={example.id}
              value={example.id}
              label={example.label}
              id={`ai-access-example-tab-${example.id}`}
              aria-controls={`ai-access-example-panel-${example.id}`}
              data-testid={`ai-access-example-tab-${example.id}`}
            />
          ))}
        </Tabs>
        {examples.map(example => (
          <div
            key={example.id}
            role="tabpanel"
            id={`ai-access-example-panel-${example.id}`}
            aria-labelledby={`ai-access-example-tab-${example.id}`}
            hidden={example.id !== selected}
            data-testid={`ai-access-example-${example.id}`}
          >
            {example.id === selected && (
              <CodeSnippet
                text={example.code}
                language={example.language}
                showCopyCodeButton
              />
            )}
          </div>
        ))}
      </div>
    </InfoCard>
  );
}
