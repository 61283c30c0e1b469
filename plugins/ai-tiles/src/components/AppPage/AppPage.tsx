import {
  CompoundEntityRef,
  Entity,
  parseEntityRef,
} from '@backstage/catalog-model';
import {
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
  WarningPanel,
} from '@backstage/core-components';
import { PageFrame } from '../PageFrame';
import { configApiRef, useApi, useRouteRef } from '@backstage/core-plugin-api';
import {
  catalogApiRef,
  EntityRefLink,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { ReactNode } from 'react';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Grid from '@material-ui/core/Grid';
import { makeStyles } from '@material-ui/core/styles';
import { alpha } from '@material-ui/core/styles/colorManipulator';
import Typography from '@material-ui/core/Typography';
import OpenInNewIcon from '@material-ui/icons/OpenInNew';
import Alert from '@material-ui/lab/Alert';
import {
  AiTile,
  AiTileParseResult,
  isAiTileEntity,
  isHttpUrl,
  parseAiTile,
} from '@internal/plugin-ai-tiles-common';
import { useParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { CHAT_URL_CONFIG_KEY } from '../../hooks/useAiTiles';
import { useTilesPageLink } from '../../hooks/useRouteLinks';
import { useTilePreferences } from '../../hooks/useTilePreferences';
import { humanizeOwner } from '../../lib/format';
import { launchHrefOf } from '../../lib/tileViews';
import { LifecycleBadge } from '../LifecycleBadge';
import { TileIcon } from '../TileIcon';
import { visuallyHidden } from '../../lib/styles';

const useStyles = makeStyles(
  theme => ({
    titleRow: {
      display: 'flex',
      alignItems: 'center',
      flexWrap: 'wrap',
      gap: theme.spacing(2),
      marginBottom: theme.spacing(2),
    },
    iconBox: {
      display: 'flex',
      alignItems: 'center',
      justifyContent: 'center',
      width: 56,
      height: 56,
      borderRadius: 8,
      fontSize: 32,
      color: theme.palette.primary.main,
      backgroundColor: alpha(theme.palette.primary.main, 0.1),
    },
    title: { margin: 0, overflowWrap: 'anywhere' },
    description: {
      whiteSpace: 'pre-line',
      overflowWrap: 'anywhere',
      marginBottom: theme.spacing(3),
    },
    facts: {
      display: 'grid',
      gridTemplateColumns: 'max-content 1fr',
      gap: theme.spacing(1, 2),
      margin: 0,
      '& dt': { fontWeight: 600, color: theme.palette.text.secondary },
      '& dd': { margin: 0, minWidth: 0, overflowWrap: 'anywhere' },
    },
    tags: { display: 'flex', flexWrap: 'wrap', gap: theme.spacing(0.5) },
    srOnly: visuallyHidden,
    links: {
      margin: 0,
      paddingLeft: theme.spacing(2.5),
      '& li': { marginBottom: theme.spacing(1), overflowWrap: 'anywhere' },
    },
  }),
  { name: 'AiTilesAppPage' },
);

type LoadedApp =
  | { state: 'not-found' }
  | { state: 'not-ai'; entityRef: string }
  | { state: 'invalid'; result: Extract<AiTileParseResult, { ok: false }> }
  | { state: 'ok'; tile: AiTile };

function classify(entity: Entity | undefined): LoadedApp {
  if (!entity) {
    return { state: 'not-found' };
  }
  const result = parseAiTile(entity);
  if (result.ok) {
    return { state: 'ok', tile: result.tile };
  }
  if (!isAiTileEntity(entity)) {
    return { state: 'not-ai', entityRef: result.entityRef };
  }
  return { state: 'invalid', result };
}

/** The owner as an entity ref (kind defaults to group, namespace to the app's). */
function ownerRefOf(tile: AiTile): CompoundEntityRef | undefined {
  try {
    return parseEntityRef(tile.owner, {
      defaultKind: 'group',
      defaultNamespace: tile.namespace,
    });
  } catch {
    return undefined;
  }
}

/**
 * A link to an entity's catalog page, or plain text when the app has no
 * catalog entity page (`useRouteRef` throws after running its hooks, so the
 * hook order stays stable).
 */
function CatalogLink(props: {
  entityRef: CompoundEntityRef | string;
  children: ReactNode;
}) {
  let hasCatalogPage = true;
  try {
    useRouteRef(entityRouteRef);
  } catch {
    hasCatalogPage = false;
  }
  return hasCatalogPage ? (
    <EntityRefLink entityRef={props.entityRef}>{props.children}</EntityRefLink>
  ) : (
    <>{props.children}</>
  );
}

function BackLink() {
  const tilesPage = useTilesPageLink();
  return <Link to={tilesPage}>Back to all AI apps</Link>;
}

function RunSection(props: { tile: AiTile; launchHref?: string }) {
  const { tile, launchHref } = props;
  const classes = useStyles();
  const { recordOpened } = useTilePreferences();

  if (tile.runner === 'dify') {
    return (
      <Alert severity="info" data-testid="ai-app-runner-notice">
        This is a guided app. Running it here in the portal arrives with the
        Dify runner; until then it cannot be run from this page.
      </Alert>
    );
  }
  if (!launchHref) {
    return (
      <Alert severity="warning">
        This app has no valid http(s) launch link, so it cannot be opened. Its
        owner has to fix the catalog entry.
      </Alert>
    );
  }
  return (
    <Button
      variant="contained"
      color="primary"
      href={launchHref}
      target="_blank"
      rel="noopener noreferrer"
      endIcon={<OpenInNewIcon aria-hidden="true" />}
      onClick={() => recordOpened(tile.entityRef)}
      data-testid="ai-app-open"
    >
      Open {tile.title}
      <span className={classes.srOnly}> (opens in a new tab)</span>
    </Button>
  );
}

function AppDetails(props: { tile: AiTile }) {
  const { tile } = props;
  const classes = useStyles();
  const configApi = useApi(configApiRef);
  const launchHref = launchHrefOf(
    tile,
    configApi.getOptionalString(CHAT_URL_CONFIG_KEY),
  );
  const links = tile.links.filter(link => isHttpUrl(link.url));
  const ownerLabel = humanizeOwner(tile.owner);
  const ownerRef = ownerRefOf(tile);

  return (
    <Grid container spacing={3} data-testid="ai-app-page">
      <Grid item xs={12} md={8}>
        <InfoCard>
          <div className={classes.titleRow}>
            <div className={classes.iconBox} aria-hidden="true">
              <TileIcon icon={tile.icon} fontSize="inherit" />
            </div>
            <Typography variant="h4" component="h2" className={classes.title}>
              {tile.title}
            </Typography>
            <LifecycleBadge lifecycle={tile.lifecycle} />
          </div>
          {tile.description && (
            <Typography className={classes.description}>
              {tile.description}
            </Typography>
          )}
          <RunSection tile={tile} launchHref={launchHref} />
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={4}>
        <Grid container spacing={3} direction="column">
          <Grid item>
            <InfoCard title="About">
              <dl className={classes.facts}>
                <dt>Owner</dt>
                <dd>
                  {ownerRef ? (
                    <CatalogLink entityRef={ownerRef}>{ownerLabel}</CatalogLink>
                  ) : (
                    ownerLabel
                  )}
                </dd>
                {tile.category && (
                  <>
                    <dt>Category</dt>
                    <dd>{tile.category}</dd>
                  </>
                )}
                {tile.tags.length > 0 && (
                  <>
                    <dt>Tags</dt>
                    <dd className={classes.tags}>
                      {tile.tags.map(tag => (
                        <Chip key={tag} label={tag} size="small" />
                      ))}
                    </dd>
                  </>
                )}
                <dt>Catalog</dt>
                <dd>
                  <CatalogLink entityRef={tile.entityRef}>
                    {tile.entityRef}
                  </CatalogLink>
                </dd>
              </dl>
            </InfoCard>
          </Grid>
          {links.length > 0 && (
            <Grid item>
              <InfoCard title="Links">
                <ul className={classes.links} data-testid="ai-app-links">
                  {links.map(link => (
                    <li key={`${link.url}|${link.title ?? ''}`}>
                      <Link
                        to={link.url}
                        target="_blank"
                        rel="noopener noreferrer"
                      >
                        {link.title || link.url}
                      </Link>
                    </li>
                  ))}
                </ul>
              </InfoCard>
            </Grid>
          )}
        </Grid>
      </Grid>
    </Grid>
  );
}

/**
 * The page of one AI app: `/ai/apps/:namespace/:name`. Shows what the catalog
 * says about the app (as text) and how to open it.
 */
export function AppPageContent() {
  const { namespace = 'default', name = '' } = useParams();
  const catalogApi = useApi(catalogApiRef);

  const { loading, error, value } = useAsync(async () => {
    const entity = await catalogApi.getEntityByRef({
      kind: 'Component',
      namespace,
      name,
    });
    return classify(entity);
  }, [catalogApi, namespace, name]);

  if (loading) {
    return <Progress />;
  }
  if (error) {
    return (
      <ResponseErrorPanel error={error} title="Could not load the AI app" />
    );
  }
  if (!value || value.state === 'not-found' || value.state === 'not-ai') {
    return (
      <WarningPanel
        severity="info"
        title="AI app not found"
        defaultExpanded
        message={
          <>
            There is no AI app “{namespace}/{name}” in the catalog. It may have
            been renamed or removed. <BackLink />
          </>
        }
      />
    );
  }
  if (value.state === 'invalid') {
    return (
      <WarningPanel
        severity="warning"
        title="This AI app cannot be shown"
        defaultExpanded
        message={
          <>
            The catalog entry {value.result.entityRef} is not a valid AI app;
            its owner has to fix it. <BackLink />
          </>
        }
      >
        <ul data-testid="ai-app-errors">
          {value.result.errors.map(message => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      </WarningPanel>
    );
  }
  return <AppDetails tile={value.tile} />;
}

/** The app page for the new frontend system (the framework provides the header). */
export function NfsAiAppPage() {
  return (
    <PageFrame>
      <AppPageContent />
    </PageFrame>
  );
}

/** The app page for legacy apps, with a Backstage header. */
export function AiAppPage() {
  return (
    <PageFrame title="AI Apps">
      <AppPageContent />
    </PageFrame>
  );
}
