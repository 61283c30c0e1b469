import { Typography, makeStyles } from '@material-ui/core';

const useStyles = makeStyles({
  text: { color: '#7df3e1', fontWeight: 700, fontSize: 22 },
});

/** Mark shown in the collapsed sidebar. */
export const LogoIcon = () => {
  const classes = useStyles();
  return <Typography className={classes.text}>AI</Typography>;
};
