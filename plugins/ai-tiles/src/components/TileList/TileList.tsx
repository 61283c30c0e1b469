import { makeStyles } from '@material-ui/core/styles';
import { memo } from 'react';
import { TileView } from '../../lib/tileViews';
import { AiTile } from '../AiTile';

const useStyles = makeStyles(
  theme => ({
    grid: {
      display: 'grid',
      gridTemplateColumns: 'repeat(auto-fill, minmax(260px, 1fr))',
      gridAutoRows: 'minmax(112px, auto)',
      gap: theme.spacing(2),
      margin: 0,
      padding: 0,
      listStyle: 'none',
    },
    cell: {
      minWidth: 0,
      // Keeps thousands of tiles cheap to lay out and paint: off-screen tiles
      // are skipped by the browser until they scroll into view.
      contentVisibility: 'auto',
      containIntrinsicSize: 'auto 120px',
    },
    featuredCell: {
      contentVisibility: 'visible',
      [theme.breakpoints.up('sm')]: {
        gridColumn: 'span 2',
      },
    },
  }),
  { name: 'AiTilesTileList' },
);

export interface TileListProps {
  views: TileView[];
  favourites: ReadonlySet<string>;
  appHref: (view: TileView) => string;
  onToggleFavourite: (view: TileView) => void;
  onOpen: (view: TileView) => void;
  /** Key of the tile to render in the Open Chat style (spans two columns). */
  featuredKey?: string;
  /** `data-testid` of the list. */
  testId: string;
  /** Prefix of the tiles' DOM ids, unique per list (a tile may be in several lists). */
  idPrefix: string;
  /** `data-testid` of the featured (Open Chat) tile's link. */
  featuredLinkTestId?: string;
  labelledBy?: string;
}

/** A responsive CSS grid of tiles (a list, for assistive technology). */
function TileListComponent(props: TileListProps) {
  const {
    views,
    favourites,
    appHref,
    onToggleFavourite,
    onOpen,
    featuredKey,
    testId,
    idPrefix,
    featuredLinkTestId,
    labelledBy,
  } = props;
  const classes = useStyles();
  return (
    <ul
      className={classes.grid}
      data-testid={testId}
      aria-labelledby={labelledBy}
    >
      {views.map(view => {
        const featured = view.key === featuredKey;
        return (
          <li
            key={view.key}
            className={
              featured
                ? `${classes.cell} ${classes.featuredCell}`
                : classes.cell
            }
          >
            <AiTile
              view={view}
              appHref={view.tile.runner === 'dify' ? appHref(view) : undefined}
              isFavourite={favourites.has(view.key)}
              onToggleFavourite={onToggleFavourite}
              onOpen={onOpen}
              featured={featured}
              idPrefix={idPrefix}
              linkTestId={featured ? featuredLinkTestId : undefined}
            />
          </li>
        );
      })}
    </ul>
  );
}

export const TileList = memo(TileListComponent);
