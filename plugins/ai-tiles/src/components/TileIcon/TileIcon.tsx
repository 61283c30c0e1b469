import { SvgIconProps } from '@material-ui/core/SvgIcon';
import AnalyticsIcon from '@material-ui/icons/Assessment';
import AppsIcon from '@material-ui/icons/Apps';
import AssignmentIcon from '@material-ui/icons/Assignment';
import BuildIcon from '@material-ui/icons/Build';
import ChatIcon from '@material-ui/icons/Chat';
import CodeIcon from '@material-ui/icons/Code';
import SupportIcon from '@material-ui/icons/ContactSupport';
import DescriptionIcon from '@material-ui/icons/Description';
import EmailIcon from '@material-ui/icons/Email';
import LightbulbIcon from '@material-ui/icons/EmojiObjects';
import GavelIcon from '@material-ui/icons/Gavel';
import ImageIcon from '@material-ui/icons/Image';
import MicIcon from '@material-ui/icons/Mic';
import ReceiptIcon from '@material-ui/icons/Receipt';
import SchoolIcon from '@material-ui/icons/School';
import SearchIcon from '@material-ui/icons/Search';
import SecurityIcon from '@material-ui/icons/Security';
import SummarizeIcon from '@material-ui/icons/Subject';
import TranslateIcon from '@material-ui/icons/Translate';
import { AiTileIcon } from '@internal/plugin-ai-tiles-common';
import { ComponentType } from 'react';

/** One MUI icon per `ai-portal/icon` name (the type makes the map exhaustive). */
export const TILE_ICONS: Record<AiTileIcon, ComponentType<SvgIconProps>> = {
  chat: ChatIcon,
  gavel: GavelIcon,
  description: DescriptionIcon,
  summarize: SummarizeIcon,
  email: EmailIcon,
  receipt: ReceiptIcon,
  translate: TranslateIcon,
  assignment: AssignmentIcon,
  search: SearchIcon,
  code: CodeIcon,
  lightbulb: LightbulbIcon,
  school: SchoolIcon,
  support: SupportIcon,
  analytics: AnalyticsIcon,
  image: ImageIcon,
  mic: MicIcon,
  security: SecurityIcon,
  build: BuildIcon,
};

/** Icon of tiles that name no icon (or one this version does not know). */
export const FallbackTileIcon = AppsIcon;

/** The icon of a tile; decorative, hidden from assistive technology. */
export function TileIcon(
  props: { icon?: string } & Omit<SvgIconProps, 'children'>,
) {
  const { icon, ...iconProps } = props;
  const Icon =
    (icon && Object.prototype.hasOwnProperty.call(TILE_ICONS, icon)
      ? TILE_ICONS[icon as AiTileIcon]
      : undefined) ?? FallbackTileIcon;
  return <Icon aria-hidden="true" focusable="false" {...iconProps} />;
}
