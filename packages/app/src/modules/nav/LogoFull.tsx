import { Typography, makeStyles } from '@material-ui/core';

const useStyles = makeStyles({
  text: {
    color: '#7df3e1',
    fontWeight: 700,
    fontSize: 24,
    whiteSpace: 'nowrap',
  },
});

/** Wordmark shown in the open sidebar. */
export const LogoFull = () => {
  const classes = useStyles();
  return <Typography className={classes.text}>AI Portal</Typography>;
};
