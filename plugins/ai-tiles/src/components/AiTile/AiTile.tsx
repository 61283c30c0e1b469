import { makeStyles } from '@material-ui/core/styles';
import { alpha } from '@material-ui/core/styles/colorManipulator';
import StarIcon from '@material-ui/icons/Star';
import StarBorderIcon from '@material-ui/icons/StarBorder';
import { memo, MouseEvent } from 'react';
import { Link as RouterLink } from 'react-router-dom';
import { TileView } from '../../lib/tileViews';
import { LifecycleBadge } from '../LifecycleBadge';
import { TileIcon } from '../TileIcon';

const useStyles = makeStyles(
  theme => ({
    tile: {
      position: 'relative',
      display: 'flex',
      gap: theme.spacing(1.5),
      height: '100%',
      boxSizing: 'border-box',
      padding: theme.spacing(2),
      paddingRight: theme.spacing(5.5),
      borderRadius: 8,
      border: `1px solid ${theme.palette.divider}`,
      backgroundColor: theme.palette.background.paper,
      color: theme.palette.text.primary,
      transition: theme.transitions.create(['box-shadow', 'border-color'], {
        duration: theme.transitions.duration.shortest,
      }),
      '&:hover': {
        borderColor: theme.palette.primary.main,
        boxShadow: theme.shadows[3],
      },
    },
    featured: {
      padding: theme.spacing(2.5),
      paddingRight: theme.spacing(6),
      border: 'none',
      color: theme.palette.primary.contrastText,
      backgroundColor: theme.palette.primary.main,
      backgroundImage: `linear-gradient(135deg, ${theme.palette.primary.dark} 0%, ${theme.palette.primary.main} 100%)`,
      '& $description, & $owner, & $category': {
        color: alpha(theme.palette.primary.contrastText, 0.85),
      },
      '& $iconBox': {
        width: 56,
        height: 56,
        fontSize: 32,
        color: theme.palette.primary.main,
        backgroundColor: theme.palette.primary.contrastText,
      },
      '& $title': { fontSize: '1.25rem' },
      '& $star': { color: theme.palette.primary.contrastText },
      '& $badge': { backgroundColor: theme.palette.background.paper },
      '& $link:focus-visible::after, & $star:focus-visible': {
        outlineColor: theme.palette.primary.contrastText,
      },
    },
    disabled: {
      opacity: 0.65,
      '&:hover': {
        borderColor: theme.palette.divider,
        boxShadow: 'none',
      },
    },
    iconBox: {
      flex: 'none',
      display: 'flex',
      alignItems: 'center',
      justifyContent: 'center',
      width: 44,
      height: 44,
      borderRadius: 8,
      fontSize: 24,
      color: theme.palette.primary.main,
      backgroundColor: alpha(theme.palette.primary.main, 0.1),
    },
    body: {
      minWidth: 0,
      flex: 1,
      display: 'flex',
      flexDirection: 'column',
      gap: theme.spacing(0.5),
    },
    title: {
      margin: 0,
      fontSize: '1rem',
      fontWeight: 600,
      lineHeight: 1.3,
      overflowWrap: 'anywhere',
    },
    link: {
      color: 'inherit',
      textDecoration: 'none',
      outline: 'none',
      // The whole tile is the link's click target; the star button sits above it.
      '&::after': {
        content: '""',
        position: 'absolute',
        inset: 0,
        borderRadius: 8,
      },
      '&:hover': { textDecoration: 'underline' },
      // Drawn inside the tile: the grid cell contains paint (content-visibility).
      '&:focus-visible::after': {
        outline: `3px solid ${theme.palette.primary.main}`,
        outlineOffset: -3,
      },
    },
    // Two lines: enough to tell apps apart; the whole text is the tooltip.
    description: {
      margin: 0,
      fontSize: '0.875rem',
      lineHeight: 1.43,
      color: theme.palette.text.secondary,
      display: '-webkit-box',
      WebkitBoxOrient: 'vertical',
      WebkitLineClamp: 2,
      overflow: 'hidden',
      overflowWrap: 'anywhere',
    },
    meta: {
      display: 'flex',
      flexWrap: 'wrap',
      alignItems: 'center',
      gap: theme.spacing(0.5, 1),
      marginTop: 'auto',
      paddingTop: theme.spacing(0.5),
      fontSize: '0.75rem',
    },
    category: {
      fontWeight: 600,
      textTransform: 'uppercase',
      letterSpacing: '0.04em',
      color: theme.palette.text.secondary,
    },
    owner: {
      color: theme.palette.text.secondary,
      overflow: 'hidden',
      textOverflow: 'ellipsis',
      whiteSpace: 'nowrap',
      maxWidth: '100%',
    },
    unavailable: {
      fontWeight: 600,
      color: theme.palette.error.main,
    },
    star: {
      position: 'absolute',
      zIndex: 1,
      top: theme.spacing(1),
      right: theme.spacing(1),
      display: 'flex',
      padding: 6,
      border: 'none',
      borderRadius: '50%',
      background: 'transparent',
      color: theme.palette.text.secondary,
      fontSize: 22,
      cursor: 'pointer',
      '&:hover': {
        backgroundColor: alpha(theme.palette.action.active, 0.08),
      },
      '&:focus-visible': {
        outline: `3px solid ${theme.palette.primary.main}`,
        outlineOffset: 1,
      },
    },
    badge: {},
    starred: {
      color: theme.palette.warning.main,
    },
  }),
  { name: 'AiTile' },
);

export interface AiTileProps {
  view: TileView;
  /** Path of the app page, for `dify` tiles. */
  appHref?: string;
  isFavourite: boolean;
  onToggleFavourite: (view: TileView) => void;
  /** Called when the tile is opened (recorded as recently used). */
  onOpen: (view: TileView) => void;
  /** The Open Chat style: larger, accent colour. */
  featured?: boolean;
  /**
   * Prefix of the tile's DOM ids; unique per list, since a tile can be in
   * Favourites, Recently used and All apps at once. The tile's test id is
   * always `ai-tile-<name>`: tests scope by the list's region.
   */
  idPrefix?: string;
  /** `data-testid` of the tile's link. */
  linkTestId?: string;
}

/**
 * One AI app tile. All catalog text is rendered as React text (escaped);
 * external links are only rendered for http(s) URLs, in a new tab.
 */
function AiTileComponent(props: AiTileProps) {
  const {
    view,
    appHref,
    isFavourite,
    onToggleFavourite,
    onOpen,
    featured = false,
    idPrefix = 'ai-tile',
    linkTestId,
  } = props;
  const classes = useStyles();
  const { tile } = view;
  const domId = `${idPrefix}-${tile.namespace}-${tile.name}`;
  const descriptionId = `${domId}-description`;

  const handleOpen = () => onOpen(view);
  const handleStar = (event: MouseEvent<HTMLButtonElement>) => {
    event.preventDefault();
    onToggleFavourite(view);
  };

  let title: JSX.Element;
  let disabled = false;
  if (tile.runner === 'dify' && appHref) {
    title = (
      <RouterLink
        to={appHref}
        className={classes.link}
        onClick={handleOpen}
        aria-describedby={tile.description ? descriptionId : undefined}
        data-testid={linkTestId}
      >
        {tile.title}
      </RouterLink>
    );
  } else if (tile.runner !== 'dify' && view.launchHref) {
    title = (
      <a
        href={view.launchHref}
        target="_blank"
        rel="noopener noreferrer"
        className={classes.link}
        onClick={handleOpen}
        aria-label={`${tile.title} (opens in a new tab)`}
        aria-describedby={tile.description ? descriptionId : undefined}
        data-testid={linkTestId}
      >
        {tile.title}
      </a>
    );
  } else {
    disabled = true;
    title = <span>{tile.title}</span>;
  }

  return (
    <article
      className={[
        classes.tile,
        featured ? classes.featured : '',
        disabled ? classes.disabled : '',
      ]
        .filter(Boolean)
        .join(' ')}
      data-testid={`ai-tile-${tile.name}`}
      data-entity-ref={tile.entityRef}
      data-disabled={disabled || undefined}
    >
      <div className={classes.iconBox}>
        <TileIcon icon={tile.icon} fontSize="inherit" />
      </div>
      <div className={classes.body}>
        <h3 className={classes.title}>{title}</h3>
        {tile.description && (
          <p
            id={descriptionId}
            className={classes.description}
            title={tile.description}
          >
            {tile.description}
          </p>
        )}
        <div className={classes.meta}>
          {tile.category && (
            <span className={classes.category}>{tile.category}</span>
          )}
          {view.ownerLabel && (
            <span className={classes.owner} title={tile.owner}>
              by {view.ownerLabel}
            </span>
          )}
          {!view.isSynthetic && (
            <LifecycleBadge
              lifecycle={tile.lifecycle}
              className={classes.badge}
            />
          )}
          {disabled && (
            <span className={classes.unavailable}>
              Unavailable: no valid link
            </span>
          )}
        </div>
      </div>
      <button
        type="button"
        className={[classes.star, isFavourite ? classes.starred : '']
          .filter(Boolean)
          .join(' ')}
        aria-pressed={isFavourite}
        aria-label={
          isFavourite
            ? `Remove ${tile.title} from favourites`
            : `Add ${tile.title} to favourites`
        }
        title={isFavourite ? 'Remove from favourites' : 'Add to favourites'}
        onClick={handleStar}
      >
        {isFavourite ? (
          <StarIcon fontSize="inherit" aria-hidden="true" />
        ) : (
          <StarBorderIcon fontSize="inherit" aria-hidden="true" />
        )}
      </button>
    </article>
  );
}

/** Memoised: with thousands of tiles, only tiles whose props change re-render. */
export const AiTile = memo(AiTileComponent);
