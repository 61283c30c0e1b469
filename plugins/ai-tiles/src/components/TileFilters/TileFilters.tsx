import Chip from '@material-ui/core/Chip';
import IconButton from '@material-ui/core/IconButton';
import InputAdornment from '@material-ui/core/InputAdornment';
import { makeStyles } from '@material-ui/core/styles';
import TextField from '@material-ui/core/TextField';
import ClearIcon from '@material-ui/icons/Clear';
import SearchIcon from '@material-ui/icons/Search';
import { ChangeEvent, KeyboardEvent, memo, useRef } from 'react';

const useStyles = makeStyles(
  theme => ({
    search: {
      flex: '1 1 320px',
      maxWidth: 480,
    },
    field: {
      width: '100%',
    },
    chips: {
      display: 'flex',
      flexWrap: 'wrap',
      gap: theme.spacing(1),
    },
  }),
  { name: 'AiTilesFilters' },
);

/** The search box of the tiles page (a search landmark). Escape clears it. */
function TileSearchFieldComponent(props: {
  value: string;
  onChange: (value: string) => void;
}) {
  const { value, onChange } = props;
  const classes = useStyles();
  const inputRef = useRef<HTMLInputElement>(null);
  return (
    <div role="search" className={classes.search}>
      <TextField
        id="ai-tiles-search"
        className={classes.field}
        label="Search AI apps"
        placeholder="Title, description, tag or category"
        variant="outlined"
        size="small"
        inputRef={inputRef}
        value={value}
        onChange={(event: ChangeEvent<HTMLInputElement>) =>
          onChange(event.target.value)
        }
        onKeyDown={(event: KeyboardEvent<HTMLDivElement>) => {
          if (event.key === 'Escape' && value) {
            event.preventDefault();
            onChange('');
          }
        }}
        inputProps={{
          'data-testid': 'ai-tiles-search',
          autoComplete: 'off',
          spellCheck: false,
        }}
        InputProps={{
          startAdornment: (
            <InputAdornment position="start">
              <SearchIcon fontSize="small" aria-hidden="true" />
            </InputAdornment>
          ),
          endAdornment: value ? (
            <InputAdornment position="end">
              <IconButton
                size="small"
                edge="end"
                aria-label="Clear search"
                onClick={() => {
                  onChange('');
                  inputRef.current?.focus();
                }}
              >
                <ClearIcon fontSize="small" aria-hidden="true" />
              </IconButton>
            </InputAdornment>
          ) : undefined,
        }}
      />
    </div>
  );
}

export const TileSearchField = memo(TileSearchFieldComponent);

/** Category filter chips: "All" plus one toggle chip per category (labelled by its slug). */
function CategoryChipsComponent(props: {
  categories: string[];
  selected?: string;
  onSelect: (category: string | undefined) => void;
}) {
  const { categories, selected, onSelect } = props;
  const classes = useStyles();
  if (categories.length === 0) {
    return null;
  }
  return (
    <div
      className={classes.chips}
      role="group"
      aria-label="Filter by category"
      data-testid="ai-tiles-categories"
    >
      <Chip
        label="All"
        clickable
        color={selected ? 'default' : 'primary'}
        variant={selected ? 'outlined' : 'default'}
        aria-pressed={!selected}
        onClick={() => onSelect(undefined)}
      />
      {categories.map(slug => {
        const active = selected === slug;
        return (
          <Chip
            key={slug}
            label={slug}
            clickable
            color={active ? 'primary' : 'default'}
            variant={active ? 'default' : 'outlined'}
            aria-pressed={active}
            data-category={slug}
            onClick={() => onSelect(active ? undefined : slug)}
          />
        );
      })}
    </div>
  );
}

export const CategoryChips = memo(CategoryChipsComponent);
