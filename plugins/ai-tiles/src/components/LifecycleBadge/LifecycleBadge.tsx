import { makeStyles, Theme } from '@material-ui/core/styles';
import { alpha } from '@material-ui/core/styles/colorManipulator';

const tone = (
  theme: Theme,
  color: { main: string; dark: string; light: string },
) => ({
  color: theme.palette.type === 'dark' ? color.light : color.dark,
  backgroundColor: alpha(
    color.main,
    theme.palette.type === 'dark' ? 0.2 : 0.12,
  ),
  borderColor: alpha(color.main, 0.5),
});

const useStyles = makeStyles(
  theme => ({
    badge: {
      display: 'inline-block',
      padding: '1px 8px',
      borderRadius: 10,
      border: '1px solid',
      fontSize: '0.75rem',
      fontWeight: 600,
      lineHeight: '18px',
      whiteSpace: 'nowrap',
      // The text stays the catalog value (e.g. "production"); only its look changes.
      textTransform: 'capitalize',
    },
    production: tone(theme, theme.palette.success),
    experimental: tone(theme, theme.palette.warning),
    deprecated: tone(theme, theme.palette.error),
    other: tone(theme, theme.palette.info),
  }),
  { name: 'AiTilesLifecycleBadge' },
);

const KNOWN = ['production', 'experimental', 'deprecated'] as const;

/** Lifecycle of an AI app (experimental / production / deprecated), colour-coded. */
export function LifecycleBadge(props: {
  lifecycle: string;
  className?: string;
}) {
  const { lifecycle, className } = props;
  const classes = useStyles();
  const key = (KNOWN as readonly string[]).includes(lifecycle)
    ? (lifecycle as (typeof KNOWN)[number])
    : 'other';
  return (
    <span
      className={[classes.badge, classes[key], className]
        .filter(Boolean)
        .join(' ')}
      data-lifecycle={lifecycle}
    >
      {lifecycle}
    </span>
  );
}
