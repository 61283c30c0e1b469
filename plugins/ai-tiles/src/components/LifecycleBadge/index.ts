export { LifecycleBadge } from './LifecycleBadge';
