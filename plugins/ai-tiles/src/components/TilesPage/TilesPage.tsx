import {
  Content,
  EmptyState,
  Header,
  Page,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useAnalytics } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import { makeStyles } from '@material-ui/core/styles';
import Typography from '@material-ui/core/Typography';
import Skeleton from '@material-ui/lab/Skeleton';
import { AI_CHAT_TYPE } from '@internal/plugin-ai-tiles-common';
import {
  ReactNode,
  startTransition,
  useCallback,
  useDeferredValue,
  useMemo,
  useState,
} from 'react';
import { useAiTiles } from '../../hooks/useAiTiles';
import { useAppPageLink } from '../../hooks/useRouteLinks';
import { useTilePreferences } from '../../hooks/useTilePreferences';
import { categoriesOf, filterTiles, isFilterActive } from '../../lib/search';
import { TileView } from '../../lib/tileViews';
import { useEntityProblems } from '../../hooks/useEntityProblems';
import { EntityProblemsPanel } from '../EntityProblems';
import { MyAccessCard } from '../MyAccessCard';
import { PolicyBanner } from '../PolicyBanner';
import { ShowMore } from '../ShowMore';
import { CategoryChips, TileSearchField } from '../TileFilters';
import { TileList } from '../TileList';
import { visuallyHidden } from '../../lib/styles';

/**
 * Tiles rendered at first and added per "show more" step. Bounding the grid
 * keeps every keystroke cheap however large the catalog is: a search never
 * mounts or unmounts more than a page of tiles.
 */
export const TILES_PAGE_SIZE = 48;

const useStyles = makeStyles(
  theme => ({
    root: {
      display: 'flex',
      flexDirection: 'column',
      gap: theme.spacing(3),
    },
    header: {
      display: 'flex',
      flexWrap: 'wrap',
      alignItems: 'flex-end',
      justifyContent: 'space-between',
      gap: theme.spacing(2),
    },
    heading: { margin: 0 },
    filters: {
      display: 'flex',
      flexDirection: 'column',
      gap: theme.spacing(2),
    },
    section: {
      display: 'flex',
      flexDirection: 'column',
      gap: theme.spacing(1.5),
    },
    sectionHeader: {
      display: 'flex',
      alignItems: 'baseline',
      gap: theme.spacing(1),
    },
    sectionHeading: {
      margin: 0,
      fontSize: '1.125rem',
      fontWeight: 600,
    },
    count: {
      fontWeight: 400,
      color: theme.palette.text.secondary,
      fontSize: '0.875rem',
    },
    skeletons: {
      display: 'grid',
      gridTemplateColumns: 'repeat(auto-fill, minmax(260px, 1fr))',
      gap: theme.spacing(2),
    },
    noResults: {
      display: 'flex',
      flexDirection: 'column',
      alignItems: 'flex-start',
      gap: theme.spacing(1),
      padding: theme.spacing(3, 0),
    },
    srOnly: visuallyHidden,
  }),
  { name: 'AiTilesPage' },
);

function Section(props: {
  id: string;
  title: string;
  count?: ReactNode;
  children: ReactNode;
}) {
  const classes = useStyles();
  const headingId = `${props.id}-heading`;
  return (
    <section className={classes.section} aria-labelledby={headingId}>
      <div className={classes.sectionHeader}>
        <h2 id={headingId} className={classes.sectionHeading}>
          {props.title}
        </h2>
        {props.count !== undefined && (
          <span className={classes.count}>{props.count}</span>
        )}
      </div>
      {props.children}
    </section>
  );
}

function LoadingTiles() {
  const classes = useStyles();
  return (
    <div aria-busy="true" data-testid="ai-tiles-loading">
      <span className={classes.srOnly} role="status">
        Loading AI apps…
      </span>
      <div className={classes.skeletons} aria-hidden="true">
        {Array.from({ length: 8 }, (_, i) => (
          <Skeleton key={i} variant="rect" height={112} />
        ))}
      </div>
    </div>
  );
}

function NoAppsYet() {
  return (
    <EmptyState
      missing="content"
      title="No AI apps yet"
      description={
        <>
          AI apps appear here once their owners register them in the software
          catalog: a <code>catalog-info.yaml</code> Component of type{' '}
          <code>ai-app</code> with the <code>ai-portal/*</code> annotations. See
          “Adding a new app” (<code>docs/ADDING_NEW_APP.md</code>) in the portal
          repository.
        </>
      }
    />
  );
}

function noResultsText(query: string, category?: string): string {
  const trimmed = query.trim();
  if (trimmed && category) {
    return `No apps match “${trimmed}” in ${category}`;
  }
  if (trimmed) {
    return `No apps match “${trimmed}”`;
  }
  return `No apps in the category ${category ?? ''}`.trim();
}

/** "12 of 2000 match “summ” in legal": echoes the active filter next to the count. */
function resultSummary(
  shown: number,
  total: number,
  query: string,
  category?: string,
): string {
  const trimmed = query.trim();
  if (!trimmed && !category) {
    return `${total} ${total === 1 ? 'app' : 'apps'}`;
  }
  return [
    `${shown} of ${total}`,
    trimmed ? `match “${trimmed}”` : '',
    category ? `in ${category}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

/**
 * The tiles page content: search, category chips, Favourites, Recently used
 * and All apps. Renders its own title (the page has no framework header).
 */
export function TilesPageContent(props: { showTitle?: boolean }) {
  const { showTitle = true } = props;
  const classes = useStyles();
  const analytics = useAnalytics();
  const { loading, error, views, retry } = useAiTiles();
  const problems = useEntityProblems();
  const { favourites, recentlyUsed, toggleFavourite, recordOpened } =
    useTilePreferences();
  const appPageLink = useAppPageLink();

  const [query, setQuery] = useState('');
  const [category, setCategory] = useState<string | undefined>();
  // The input updates at once; the (possibly large) grid follows at lower priority.
  const deferredQuery = useDeferredValue(query);

  const filter = useMemo(
    () => ({ query: deferredQuery, category }),
    [deferredQuery, category],
  );
  const filtering = isFilterActive(filter);
  const filtered = useMemo(() => filterTiles(views, filter), [views, filter]);

  // The grid shows a page of the results and grows as the user scrolls;
  // a new search starts again from the first page.
  const [limit, setLimit] = useState(TILES_PAGE_SIZE);
  const [limitResults, setLimitResults] = useState(filtered);
  if (limitResults !== filtered) {
    setLimitResults(filtered);
    setLimit(TILES_PAGE_SIZE);
  }
  const shown = useMemo(
    () => (filtered.length > limit ? filtered.slice(0, limit) : filtered),
    [filtered, limit],
  );
  const showMore = useCallback(
    () => startTransition(() => setLimit(l => l + TILES_PAGE_SIZE)),
    [],
  );
  const categories = useMemo(() => categoriesOf(views), [views]);
  const byKey = useMemo(
    () => new Map(views.map(view => [view.key, view])),
    [views],
  );
  const favouriteSet = useMemo(() => new Set(favourites), [favourites]);
  const favouriteViews = useMemo(
    () => favourites.flatMap(key => byKey.get(key) ?? []),
    [favourites, byKey],
  );
  const recentViews = useMemo(
    () => recentlyUsed.flatMap(key => byKey.get(key) ?? []),
    [recentlyUsed, byKey],
  );
  const primaryChatKey = views.find(view => view.isPrimaryChat)?.key;
  const appCount = useMemo(
    () => views.filter(view => view.tile.type !== AI_CHAT_TYPE).length,
    [views],
  );

  const appHref = useCallback(
    (view: TileView) =>
      appPageLink({ namespace: view.tile.namespace, name: view.tile.name }),
    [appPageLink],
  );
  const onOpen = useCallback(
    (view: TileView) => {
      recordOpened(view.key);
      analytics.captureEvent('click', view.tile.title, {
        attributes: {
          to: view.launchHref ?? appHref(view),
          entityRef: view.key,
        },
      });
    },
    [recordOpened, analytics, appHref],
  );
  const onToggleFavourite = useCallback(
    (view: TileView) => toggleFavourite(view.key),
    [toggleFavourite],
  );
  const clearFilters = useCallback(() => {
    setQuery('');
    setCategory(undefined);
  }, []);

  const listProps = {
    favourites: favouriteSet,
    appHref,
    onOpen,
    onToggleFavourite,
  };

  let body: ReactNode;
  if (loading) {
    body = <LoadingTiles />;
  } else if (error) {
    body = (
      <div>
        <ResponseErrorPanel error={error} title="Could not load the AI apps" />
        <Button variant="outlined" color="primary" onClick={retry}>
          Try again
        </Button>
      </div>
    );
  } else if (views.length === 0) {
    body = <NoAppsYet />;
  } else {
    body = (
      <>
        <CategoryChips
          categories={categories}
          selected={category}
          onSelect={setCategory}
        />
        {!filtering && favouriteViews.length > 0 && (
          <Section id="ai-tiles-favourites" title="Favourites">
            <TileList
              {...listProps}
              views={favouriteViews}
              testId="ai-tiles-favourites"
              idPrefix="ai-tiles-favourites"
              labelledBy="ai-tiles-favourites-heading"
            />
          </Section>
        )}
        {!filtering && recentViews.length > 0 && (
          <Section id="ai-tiles-recent" title="Recently used">
            <TileList
              {...listProps}
              views={recentViews}
              testId="ai-tiles-recent"
              idPrefix="ai-tiles-recent"
              labelledBy="ai-tiles-recent-heading"
            />
          </Section>
        )}
        <Section
          id="ai-tiles-all"
          title="All apps"
          count={resultSummary(
            filtered.length,
            views.length,
            deferredQuery,
            category,
          )}
        >
          {filtered.length > 0 ? (
            <TileList
              {...listProps}
              views={shown}
              featuredKey={primaryChatKey}
              featuredLinkTestId="ai-tile-open-chat-link"
              testId="ai-tiles-grid"
              idPrefix="ai-tiles-all"
              labelledBy="ai-tiles-all-heading"
            />
          ) : (
            <div
              className={classes.noResults}
              data-testid="ai-tiles-no-results"
            >
              <Typography variant="h6" component="p">
                {noResultsText(deferredQuery, category)}
              </Typography>
              <Typography color="textSecondary">
                Try another word, or show all apps again.
              </Typography>
              <Button variant="outlined" color="primary" onClick={clearFilters}>
                Clear filters
              </Button>
            </div>
          )}
          {shown.length < filtered.length && (
            <ShowMore
              remaining={filtered.length - shown.length}
              step={TILES_PAGE_SIZE}
              shownCount={shown.length}
              onShowMore={showMore}
            />
          )}
          {appCount === 0 && <NoAppsYet />}
        </Section>
        <div className={classes.srOnly} role="status" aria-live="polite">
          {filtering
            ? `${filtered.length} ${
                filtered.length === 1 ? 'app' : 'apps'
              } found`
            : ''}
        </div>
      </>
    );
  }

  return (
    <div className={classes.root} data-testid="ai-tiles-page">
      <div className={classes.header}>
        {showTitle && (
          <div>
            <Typography variant="h4" component="h1" className={classes.heading}>
              AI Apps
            </Typography>
            <Typography color="textSecondary">
              Guided AI apps and chat, approved for work.
            </Typography>
          </div>
        )}
        <TileSearchField value={query} onChange={setQuery} />
      </div>
      <PolicyBanner />
      <MyAccessCard />
      <EntityProblemsPanel problems={problems} />
      {body}
    </div>
  );
}

/** The tiles page for the new frontend system (the page has `noHeader`). */
export function NfsTilesPage() {
  return (
    <Content>
      <TilesPageContent />
    </Content>
  );
}

/** The tiles page for legacy apps, with a Backstage header. */
export function TilesPage() {
  return (
    <Page themeId="home">
      <Header
        title="AI Apps"
        subtitle="Guided AI apps and chat, approved for work."
      />
      <Content>
        <TilesPageContent showTitle={false} />
      </Content>
    </Page>
  );
}
